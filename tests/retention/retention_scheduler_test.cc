#include "retention/retention_scheduler.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <thread>

#include "retention_test_util.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using retention_test::At;
using retention_test::Exists;
using retention_test::Score;

// hiredis writes to a socket that a stopped server closed; without this the
// test process dies of SIGPIPE instead of seeing the RedisIoError.
// NOTE: the service's main must ignore SIGPIPE for the same reason.
const bool kSigpipeIgnored = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

RedisConnector ConnectorFor(const testing::RedisServer& server) {
  return [&server]() { return RedisConnection::Connect(server.endpoint(), std::chrono::milliseconds(500)); };
}

RetentionSchedulerOptions Owner(const std::string& name) {
  RetentionSchedulerOptions options;
  options.owner = name;
  return options;
}

class RetentionSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    redis_ = testing::SharedRedis().Connect();
  }
  std::unique_ptr<RedisConnection> redis_;
  RetentionSettings settings_;
};

TEST_F(RetentionSchedulerTest, RunsAtCleanupHourOncePerDay) {
  RetentionScheduler scheduler(ConnectorFor(testing::SharedRedis()), settings_, Owner("a"));
  // Ran yesterday already, so nothing is due before 03:00.
  redis_->Command({"SET", "ash:retention:last_run_date", "2026-01-19"});

  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T02:59:59Z")).has_value());
  EXPECT_EQ(scheduler.State(At("2026-01-20T02:59:59Z")).next_run_at, At("2026-01-20T03:00:00Z"));
  EXPECT_TRUE(scheduler.Tick(At("2026-01-20T03:00:00Z")).has_value());
  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T03:01:00Z")).has_value());
  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T23:59:00Z")).has_value());
  EXPECT_TRUE(scheduler.Tick(At("2026-01-21T03:00:00Z")).has_value());

  RetentionSchedulerState state = scheduler.State(At("2026-01-21T04:00:00Z"));
  EXPECT_EQ(state.last_run_date, ParseIsoDate("2026-01-21"));
  EXPECT_EQ(state.next_run_at, At("2026-01-22T03:00:00Z"));
  EXPECT_FALSE(state.last_error.has_value());
  ASSERT_TRUE(state.last_report.has_value());
  EXPECT_EQ(redis_->Command({"GET", "ash:retention:last_run_date"}).str(), "2026-01-21");
  EXPECT_FALSE(Exists(*redis_, "ash:retention:lock"));
}

TEST_F(RetentionSchedulerTest, CatchesUpMissedHourOnStart) {
  redis_->Command({"SET", "ash:retention:last_run_date", "2026-01-19"});
  RetentionScheduler scheduler(ConnectorFor(testing::SharedRedis()), settings_, Owner("a"));
  // The service was down at 03:00 and starts at 10:00.
  EXPECT_TRUE(scheduler.Tick(At("2026-01-20T10:00:00Z")).has_value());

  // A restart later the same day does not run again: the marker says done.
  RetentionScheduler restarted(ConnectorFor(testing::SharedRedis()), settings_, Owner("b"));
  EXPECT_FALSE(restarted.Tick(At("2026-01-20T11:00:00Z")).has_value());
  EXPECT_EQ(restarted.State(At("2026-01-20T11:00:00Z")).last_run_date, ParseIsoDate("2026-01-20"));
}

TEST_F(RetentionSchedulerTest, DisabledNeverRuns) {
  settings_.enabled = false;
  RetentionScheduler scheduler(ConnectorFor(testing::SharedRedis()), settings_, Owner("a"));
  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T10:00:00Z")).has_value());
  EXPECT_FALSE(scheduler.State(At("2026-01-20T10:00:00Z")).next_run_at.has_value());
  EXPECT_EQ(redis_->Command({"DBSIZE"}).integer(), 0);
}

TEST_F(RetentionSchedulerTest, TwoProcessesRunOnce) {
  RetentionScheduler first(ConnectorFor(testing::SharedRedis()), settings_, Owner("first"));
  RetentionScheduler second(ConnectorFor(testing::SharedRedis()), settings_, Owner("second"));
  redis_->Command({"SET", "ash:retention:last_run_date", "2026-01-19"});

  // Interleaved in one thread.
  int runs = 0;
  for (EpochMs now = At("2026-01-20T02:58:00Z"); now < At("2026-01-20T04:00:00Z"); now += 30000) {
    runs += first.Tick(now).has_value() ? 1 : 0;
    runs += second.Tick(now).has_value() ? 1 : 0;
  }
  EXPECT_EQ(runs, 1);

  // Concurrently from two threads, on the next day.
  std::atomic<int> concurrent_runs = 0;
  auto loop = [&](RetentionScheduler& scheduler) {
    for (EpochMs now = At("2026-01-21T02:59:00Z"); now < At("2026-01-21T03:30:00Z"); now += 1000) {
      if (scheduler.Tick(now)) ++concurrent_runs;
    }
  };
  std::thread a(loop, std::ref(first));
  std::thread b(loop, std::ref(second));
  a.join();
  b.join();
  EXPECT_EQ(concurrent_runs.load(), 1);
}

TEST(RetentionSchedulerFaultTest, RedisDownThenBack) {
  testing::RedisServer server;
  RetentionSettings settings;
  RetentionScheduler scheduler(ConnectorFor(server), settings, Owner("a"));
  server.Stop();

  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T03:00:00Z")).has_value());
  RetentionSchedulerState state = scheduler.State(At("2026-01-20T03:00:00Z"));
  ASSERT_TRUE(state.last_error.has_value());
  EXPECT_NE(state.last_error->find("connect"), std::string::npos) << *state.last_error;
  EXPECT_EQ(state.next_run_at, At("2026-01-20T03:05:00Z"));

  server.Start();
  EXPECT_FALSE(scheduler.Tick(At("2026-01-20T03:04:00Z")).has_value());  // waiting to retry
  EXPECT_TRUE(scheduler.Tick(At("2026-01-20T03:05:00Z")).has_value());
  EXPECT_FALSE(scheduler.State(At("2026-01-20T03:06:00Z")).last_error.has_value());
}

TEST(RetentionSchedulerFaultTest, ConnectionLostMidRunRetried) {
  testing::RedisServer server;
  auto redis = server.Connect();
  const EpochMs now = At("2026-01-20T03:00:00Z");
  for (int i = 0; i < 100; ++i) {
    redis->Command({"ZADD", "ash:history:1:" + std::to_string(1000 + i), Score(now - 8 * kMsPerDay), "old"});
  }
  RetentionSettings settings;
  settings.batch_size = 10;
  RetentionSchedulerOptions options = Owner("a");
  int batches = 0;
  options.after_batch = [&](std::string_view category) {
    // Kill the scheduler's connection at the third history batch, once.
    if (category == "message_history" && ++batches == 3) {
      redis->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    }
  };
  RetentionScheduler scheduler(ConnectorFor(server), settings, options);

  auto failed = scheduler.Tick(now);
  ASSERT_TRUE(failed.has_value());
  ASSERT_FALSE(failed->ok());
  std::int64_t removed_first = failed->TotalKeysRemoved();
  EXPECT_GT(removed_first, 0);
  EXPECT_LT(removed_first, 100);
  EXPECT_FALSE(redis->Command({"GET", "ash:retention:last_run_date"}).type() == RedisReply::Type::kString);
  // The failed run's report is stored for /health and storage stats.
  auto stored = ReadLastRetentionReport(*redis);
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(stored->ok());

  auto retried = scheduler.Tick(now + 5 * kMsPerMinute);
  ASSERT_TRUE(retried.has_value());
  ASSERT_TRUE(retried->ok()) << *retried->error;
  EXPECT_EQ(removed_first + retried->TotalKeysRemoved(), 100);
  EXPECT_EQ(redis->Command({"KEYS", "ash:history:*"}).elements().size(), 0u);
}

TEST(RetentionRunFaultTest, RedisDownAtStart) {
  testing::RedisServer server;
  auto redis = server.Connect();
  server.Stop();
  RetentionReport report = RunRetention(*redis, RetentionSettings{}, At("2026-01-20T03:00:00Z"), false);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error->find("alert_metrics"), std::string::npos) << *report.error;
  EXPECT_EQ(report.TotalKeysRemoved(), 0);
  for (const CategoryReport& category : report.categories) EXPECT_FALSE(category.completed) << category.name;
  EXPECT_NE(RenderRetentionText(report).find("Error:"), std::string::npos);
}

}  // namespace
}  // namespace ash
