#include "service/report_scheduler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "domain/alert_record.h"
#include "domain/civil_time.h"
#include "storage/alert_hash.h"
#include "storage/keys.h"
#include "support/fake_discord.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using std::chrono::milliseconds;
using testing::FakeDiscord;
using testing::FakeDiscordResponse;

constexpr char kToken[] = "bot-token-SECRET-1234";
constexpr Snowflake kChannel = 1180000000000000001ULL;

// Monday 2026-01-12 09:00 UTC, the default schedule, posts the week
// 2026-01-05 .. 2026-01-11.
const EpochMs kMoment = Date::FromYmd(2026, 1, 12).StartMs() + 9 * kMsPerHour;
const Date kWeekEnd = Date::FromYmd(2026, 1, 11);

// Writes an alert in the current hash layout and indexes it by creation time.
void SeedAlert(RedisConnection& connection, const std::string& alert_id, EpochMs created_at) {
  AlertRecord record;
  record.alert_id = alert_id;
  record.alert_message_id = 1190000000000000000ULL + static_cast<Snowflake>(created_at % 100000);
  record.user_id = 1170000000000000001ULL;
  record.channel_id = 1160000000000000001ULL;
  record.severity = Severity::kMedium;
  record.created_at = created_at;
  record.acknowledged_at = created_at + 90 * kMsPerSecond;
  record.acknowledged_by = 1150000000000000001ULL;
  record.time_to_acknowledge_seconds = 90;
  RedisCommand hset = {"HSET", keys::Alert(alert_id)};
  for (const auto& [field, value] : AlertRecordToHash(record)) {
    hset.push_back(field);
    hset.push_back(value);
  }
  connection.Command(hset).ExpectOk("HSET alert");
  connection.Command({"ZADD", std::string(keys::kCreatedIndex), std::to_string(created_at), alert_id})
      .ExpectOk("ZADD index");
}

class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }

  std::string Text() const {
    std::string text;
    for (const auto& line : sink_->last_formatted()) text += line;
    return text;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::size_t CountOf(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

class ReportSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    connection_ = testing::SharedRedis().Connect();
    SeedAlert(*connection_, "alert-1", Date::FromYmd(2026, 1, 6).StartMs() + 14 * kMsPerHour);
    SeedAlert(*connection_, "alert-2", Date::FromYmd(2026, 1, 13).StartMs() + 2 * kMsPerHour);
    fake_.RequireBotToken(kToken);
    DiscordClientSettings client_settings;
    client_settings.api_base_url = fake_.api_base_url();
    client_settings.bot_token = kToken;
    client_ = std::make_unique<DiscordClient>(client_settings);

    settings_.report.channel_id = kChannel;
    settings_.alert_retention_days = 90;
  }

  static RedisConnector Connector(const testing::RedisServer& server) {
    return [&server]() -> Expected<std::unique_ptr<RedisConnection>> {
      return RedisConnection::Connect(server.endpoint());
    };
  }

  // Advances the manual clock instead of sleeping.
  SleepFunction Sleep() {
    return [this](milliseconds duration) {
      clock_.Advance(duration.count());
      return true;
    };
  }

  std::unique_ptr<WeeklyReportScheduler> MakeScheduler() {
    return MakeScheduler(settings_, *client_);
  }
  std::unique_ptr<WeeklyReportScheduler> MakeScheduler(const ReportSchedulerSettings& settings,
                                                       const DiscordClient& client) {
    return std::make_unique<WeeklyReportScheduler>(settings, Connector(testing::SharedRedis()), client, clock_,
                                                   Sleep());
  }

  // Sets the clock and ticks, as the service loop does.
  void TickAt(WeeklyReportScheduler& scheduler, EpochMs now) {
    clock_.Set(now);
    scheduler.Tick(now);
  }

  std::string MarkerState(Date week_end) const {
    const RedisReply reply = connection_->Command({"GET", keys::WeeklyReport(week_end)});
    return reply.is_nil() ? "" : nlohmann::json::parse(reply.str()).value("state", "");
  }

  FakeDiscord fake_;
  std::unique_ptr<DiscordClient> client_;
  std::unique_ptr<RedisConnection> connection_;
  ReportSchedulerSettings settings_;
  ManualClock clock_{kMoment - kMsPerHour};
};

TEST(LastScheduledMomentTest, FindsLatestSlotAtOrBeforeNow) {
  const EpochMs monday_nine = kMoment;
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(monday_nine, 0, 9), monday_nine);
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(monday_nine - 1, 0, 9), monday_nine - 7 * kMsPerDay);
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(monday_nine + 6 * kMsPerDay, 0, 9), monday_nine);
  // Sunday 23:00 before that Monday.
  const EpochMs sunday_eleven = Date::FromYmd(2026, 1, 11).StartMs() + 23 * kMsPerHour;
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(monday_nine, 6, 23), sunday_eleven);
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(sunday_eleven, 6, 23), sunday_eleven);
  // Wednesday 00:00 of the same week.
  EXPECT_EQ(WeeklyReportScheduler::LastScheduledMoment(monday_nine + 3 * kMsPerDay, 2, 0),
            Date::FromYmd(2026, 1, 14).StartMs());
}

TEST_F(ReportSchedulerTest, PostsAtScheduledHour) {
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment - kMsPerSecond);
  EXPECT_TRUE(fake_.requests().empty());

  TickAt(*scheduler, kMoment);
  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(MarkerState(kWeekEnd), "posted");
  const ReportSchedulerState state = scheduler->State();
  EXPECT_EQ(state.last_week_end, kWeekEnd);
  EXPECT_EQ(FormatSnowflake(state.last_message_id.value_or(0)), fake_.messages()[0].id);
  EXPECT_EQ(state.posted_count, 1u);
}

TEST_F(ReportSchedulerTest, PostedWeekCostsNoRedisCommand) {
  auto scheduler = MakeScheduler();
  TickAt(*scheduler, kMoment);
  ASSERT_EQ(fake_.messages().size(), 1u);
  connection_->Command({"CONFIG", "RESETSTAT"}).ExpectOk("CONFIG RESETSTAT");

  for (int second = 1; second <= 600; ++second) TickAt(*scheduler, kMoment + second * kMsPerSecond);

  const std::string stats = connection_->Command({"INFO", "commandstats"}).str();
  EXPECT_EQ(stats.find("cmdstat_get:"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("cmdstat_set:"), std::string::npos) << stats;
  EXPECT_EQ(fake_.messages().size(), 1u);
}

TEST_F(ReportSchedulerTest, RestartInsideHourPostsNothingMore) {
  auto first = MakeScheduler();
  TickAt(*first, kMoment + 5 * kMsPerSecond);
  ASSERT_EQ(fake_.messages().size(), 1u);
  first.reset();

  auto restarted = MakeScheduler();
  for (EpochMs at = kMoment + 10 * kMsPerMinute; at < kMoment + kMsPerHour; at += kMsPerMinute) {
    TickAt(*restarted, at);
  }

  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_EQ(FormatSnowflake(restarted->State().last_message_id.value_or(0)), fake_.messages()[0].id);
  EXPECT_EQ(restarted->State().posted_count, 0u);
}

TEST_F(ReportSchedulerTest, TwoServesOnOneRedisPostOnce) {
  auto first = MakeScheduler();
  auto second = MakeScheduler();
  clock_.Set(kMoment);

  auto tick_many = [this](WeeklyReportScheduler& scheduler) {
    for (int i = 0; i < 20; ++i) scheduler.Tick(clock_.NowMs());
  };
  std::thread first_thread([&] { tick_many(*first); });
  std::thread second_thread([&] { tick_many(*second); });
  first_thread.join();
  second_thread.join();
  // The copy that lost the claim looks again after recheck_interval_ms.
  TickAt(*first, kMoment + 2 * kMsPerMinute);
  TickAt(*second, kMoment + 2 * kMsPerMinute);

  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(first->State().posted_count + second->State().posted_count, 1u);
  EXPECT_EQ(first->State().last_message_id, second->State().last_message_id);
  EXPECT_EQ(MarkerState(kWeekEnd), "posted");
}

TEST_F(ReportSchedulerTest, DownAtHourPostsWithinCatchUp) {
  clock_.Set(kMoment + 23 * kMsPerHour);
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment + 23 * kMsPerHour);

  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(MarkerState(kWeekEnd), "posted");
  EXPECT_NE(fake_.messages()[0].body.dump().find("January 5, 2026"), std::string::npos);
}

TEST_F(ReportSchedulerTest, DownPastCatchUpPostsNothing) {
  LogCapture capture;
  clock_.Set(kMoment + 25 * kMsPerHour);
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment + 25 * kMsPerHour);
  TickAt(*scheduler, kMoment + 26 * kMsPerHour);

  EXPECT_TRUE(fake_.requests().empty());
  EXPECT_EQ(MarkerState(kWeekEnd), "");
  EXPECT_EQ(CountOf(capture.Text(), "week_end=2026-01-11 was not posted"), 1u) << capture.Text();
}

TEST_F(ReportSchedulerTest, ShorterCatchUpWindowIsHonored) {
  settings_.report.catch_up_hours = 2;
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment + 2 * kMsPerHour);

  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(ReportSchedulerTest, RateLimitThenPostsOneMessage) {
  fake_.Enqueue(FakeDiscordResponse::RateLimited(0.5));
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment);
  TickAt(*scheduler, kMoment + kMsPerMinute);

  EXPECT_EQ(fake_.requests().size(), 2u);
  EXPECT_EQ(fake_.messages().size(), 1u);
}

TEST_F(ReportSchedulerTest, RetryableFailureTriesAgainLater) {
  for (int i = 0; i < 5; ++i) fake_.Enqueue(FakeDiscordResponse::ServerError());
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment);
  EXPECT_TRUE(fake_.messages().empty());
  EXPECT_EQ(MarkerState(kWeekEnd), "failed");
  EXPECT_NE(scheduler->State().last_error.find("Discord server error"), std::string::npos);
  EXPECT_EQ(scheduler->State().failed_count, 1u);

  TickAt(*scheduler, kMoment + 5 * kMsPerMinute);
  EXPECT_EQ(fake_.requests().size(), 5u);

  TickAt(*scheduler, kMoment + 20 * kMsPerMinute);
  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(MarkerState(kWeekEnd), "posted");
}

TEST_F(ReportSchedulerTest, PermanentFailureWaitsForNextWeek) {
  fake_.Enqueue(FakeDiscordResponse::MissingPermissions());
  auto scheduler = MakeScheduler();

  TickAt(*scheduler, kMoment);
  for (EpochMs at = kMoment + kMsPerHour; at < kMoment + 24 * kMsPerHour; at += kMsPerHour) TickAt(*scheduler, at);

  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_NE(scheduler->State().last_error.find("View Channel, Send Messages and Embed Links"), std::string::npos);

  TickAt(*scheduler, kMoment + 7 * kMsPerDay);
  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(MarkerState(kWeekEnd.AddDays(7)), "posted");
}

TEST_F(ReportSchedulerTest, ThreeWeeksPostThreeMessages) {
  fake_.Enqueue({FakeDiscordResponse::ServerError(), FakeDiscordResponse::RateLimited(1.5)});
  auto scheduler = MakeScheduler();

  for (EpochMs at = kMoment - kMsPerDay; at < kMoment + 21 * kMsPerDay; at += 5 * kMsPerMinute) {
    TickAt(*scheduler, at);
  }

  const auto messages = fake_.messages();
  ASSERT_EQ(messages.size(), 3u);
  for (int week = 0; week < 3; ++week) {
    EXPECT_EQ(MarkerState(kWeekEnd.AddDays(7 * week)), "posted") << week;
    EXPECT_EQ(messages[static_cast<std::size_t>(week)].body["nonce"],
              WeeklyReportNonce(kWeekEnd.AddDays(7 * week)));
  }
}

TEST_F(ReportSchedulerTest, DisabledSaysWhyOnceAndPostsNothing) {
  struct Case {
    const char* name;
    bool enabled;
    std::optional<Snowflake> channel;
    bool token;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"disabled", false, kChannel, true, "BOT_WEEKLY_REPORT_ENABLED=false"},
      {"no channel", true, std::nullopt, true, "no report channel configured"},
      {"no token", true, kChannel, false, "no bot token to post to channel 1180000000000000001"},
  };
  for (const Case& test_case : cases) {
    LogCapture capture;
    ReportSchedulerSettings settings = settings_;
    settings.report.enabled = test_case.enabled;
    settings.report.channel_id = test_case.channel;
    DiscordClientSettings client_settings;
    client_settings.api_base_url = fake_.api_base_url();
    if (test_case.token) client_settings.bot_token = kToken;
    const DiscordClient client(client_settings);

    auto scheduler = MakeScheduler(settings, client);
    TickAt(*scheduler, kMoment);
    TickAt(*scheduler, kMoment + kMsPerMinute);

    EXPECT_FALSE(scheduler->enabled()) << test_case.name;
    EXPECT_FALSE(scheduler->State().enabled) << test_case.name;
    EXPECT_NE(scheduler->State().disabled_reason.find(test_case.reason), std::string::npos)
        << test_case.name << ": " << scheduler->State().disabled_reason;
    EXPECT_EQ(CountOf(capture.Text(), test_case.reason), 1u) << test_case.name << ": " << capture.Text();
    EXPECT_TRUE(fake_.requests().empty()) << test_case.name;
  }
}

TEST_F(ReportSchedulerTest, WebhookNeedsNoBotToken) {
  settings_.report.channel_id.reset();
  settings_.report.webhook_url = fake_.WebhookUrl("4242", "webhook-token-SECRET");
  DiscordClientSettings client_settings;
  client_settings.api_base_url = fake_.api_base_url();
  const DiscordClient client(client_settings);
  LogCapture capture;

  auto scheduler = MakeScheduler(settings_, client);
  TickAt(*scheduler, kMoment);

  EXPECT_TRUE(scheduler->enabled());
  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(fake_.messages()[0].webhook_id, "4242");
  EXPECT_EQ(capture.Text().find("webhook-token-SECRET"), std::string::npos) << capture.Text();
}

TEST_F(ReportSchedulerTest, StateShowsScheduleForHealth) {
  auto scheduler = MakeScheduler();
  TickAt(*scheduler, kMoment + kMsPerMinute);

  const nlohmann::json json = scheduler->State().ToJson();

  EXPECT_EQ(json["enabled"], true);
  EXPECT_TRUE(json["disabled_reason"].is_null());
  EXPECT_EQ(json["next_scheduled_at"], FormatRfc3339(kMoment + 7 * kMsPerDay));
  EXPECT_EQ(json["last_post"]["week_end"], "2026-01-11");
  EXPECT_EQ(json["last_post"]["message_id"], fake_.messages().at(0).id);
  EXPECT_TRUE(json["last_error"].is_null());
  EXPECT_EQ(json["posted_count"], 1);
}

TEST_F(ReportSchedulerTest, RedisDownIsRecordedThenRecovers) {
  testing::RedisServer server;
  {
    auto seed = server.Connect();
    SeedAlert(*seed, "alert-1", Date::FromYmd(2026, 1, 6).StartMs());
  }
  WeeklyReportScheduler scheduler(settings_, Connector(server), *client_, clock_, Sleep());
  server.Stop();

  TickAt(scheduler, kMoment);
  EXPECT_NE(scheduler.State().last_error.find("Redis"), std::string::npos) << scheduler.State().last_error;
  EXPECT_TRUE(fake_.requests().empty());

  server.Start();
  TickAt(scheduler, kMoment + 2 * kMsPerMinute);
  EXPECT_EQ(fake_.messages().size(), 1u);
}

}  // namespace
}  // namespace ash
