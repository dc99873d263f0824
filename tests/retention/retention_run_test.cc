#include "retention/retention_run.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "retention/storage_stats.h"
#include "retention_test_util.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using retention_test::At;
using retention_test::DumpAll;
using retention_test::Exists;
using retention_test::Pttl;
using retention_test::Score;

const EpochMs kNow = At("2026-01-20T12:00:00Z");

EpochMs DaysAgo(int days) { return kNow - days * kMsPerDay; }

std::string V5Time(EpochMs ms) {
  return FormatRfc3339(ms).substr(0, 19) + fmt::format(".{:03}000Z", ms % 1000);
}
std::string BotTime(EpochMs ms) {
  return FormatRfc3339(ms).substr(0, 19) + fmt::format(".{:03}000+00:00", ms % 1000);
}

const CategoryReport& Category(const RetentionReport& report, const std::string& name) {
  for (const CategoryReport& category : report.categories) {
    if (category.name == name) return category;
  }
  throw std::runtime_error("no category " + name);
}

class RetentionRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    redis_ = testing::SharedRedis().Connect();
  }

  void AddHashAlert(const std::string& alert_id, const std::string& message_id, EpochMs created_at) {
    redis_->Command({"HSET", "ash:metrics:alert:" + alert_id, "alert_id", alert_id, "alert_message_id", message_id,
                     "user_id", "111111111111111111", "created_at", std::to_string(created_at)});
    redis_->Command({"SET", "ash:metrics:alert_lookup:" + message_id, alert_id});
    redis_->Command({"ZADD", "ash:metrics:index:created", std::to_string(created_at), alert_id});
  }

  // A v5 record with two versions: created at created_at, updated at updated_at.
  void AddV5Alert(const std::string& alert_id, const std::string& message_id, EpochMs created_at,
                  EpochMs updated_at) {
    const std::string first = fmt::format(
        R"({{"alert_id": "{}", "alert_message_id": {}, "user_id": 1413533232769675770, "alert_created_at": "{}", "acknowledged_at": null}})",
        alert_id, message_id, V5Time(created_at));
    const std::string second = fmt::format(
        R"({{"alert_id": "{}", "alert_message_id": {}, "user_id": 1413533232769675770, "alert_created_at": "{}", "acknowledged_at": "{}"}})",
        alert_id, message_id, V5Time(created_at), V5Time(updated_at));
    redis_->Command({"ZADD", "ash:metrics:alert:" + alert_id, Score(created_at), first, Score(updated_at), second});
    redis_->Command({"ZADD", "ash:metrics:alert_lookup:" + message_id, Score(created_at), alert_id});
  }

  std::unique_ptr<RedisConnection> redis_;
  RetentionSettings settings_;
};

TEST_F(RetentionRunTest, AlertRecordsOfBothLayoutsByCreationTime) {
  AddHashAlert("alert_keep", "1000000000000000001", DaysAgo(89));
  AddHashAlert("alert_old", "1000000000000000002", DaysAgo(91));
  AddV5Alert("alert_v5keep", "1000000000000000003", DaysAgo(89), DaysAgo(89) + 60000);
  // Created outside the limit, updated inside it: creation time decides.
  AddV5Alert("alert_v5old", "1000000000000000004", DaysAgo(91), DaysAgo(1));
  // An index entry whose record already expired.
  redis_->Command({"ZADD", "ash:metrics:index:created", std::to_string(DaysAgo(95)), "alert_gone"});

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok()) << *report.error;
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:alert:alert_keep"));
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:alert_lookup:1000000000000000001"));
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:alert:alert_v5keep"));
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:alert_lookup:1000000000000000003"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:alert:alert_old"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:alert_lookup:1000000000000000002"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:alert:alert_v5old"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:alert_lookup:1000000000000000004"));
  RedisReply index = redis_->Command({"ZRANGE", "ash:metrics:index:created", "0", "-1"});
  ASSERT_EQ(index.elements().size(), 1u);
  EXPECT_EQ(index.elements()[0].str(), "alert_keep");

  const CategoryReport& alerts = Category(report, "alert_metrics");
  EXPECT_TRUE(alerts.completed);
  EXPECT_EQ(alerts.keys_removed, 4);     // 2 records + 2 lookups
  EXPECT_EQ(alerts.entries_removed, 2);  // alert_old and alert_gone
}

TEST_F(RetentionRunTest, AlertIndexTrimmedInSmallBatches) {
  settings_.batch_size = 10;
  for (int i = 0; i < 35; ++i) {
    AddHashAlert(fmt::format("alert_{:03}", i), fmt::format("20000000000000{:05}", i), DaysAgo(91) + i);
  }
  AddHashAlert("alert_new", "2000000000000099999", DaysAgo(1));

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  EXPECT_EQ(redis_->Command({"ZCARD", "ash:metrics:index:created"}).integer(), 1);
  EXPECT_EQ(Category(report, "alert_metrics").keys_removed, 70);
  EXPECT_EQ(Category(report, "alert_metrics").entries_removed, 35);
  EXPECT_EQ(redis_->Command({"DBSIZE"}).integer(), 3 + 1);  // record, lookup, index, last run
}

TEST_F(RetentionRunTest, DailyAggregatesByDateInKey) {
  redis_->Command({"HSET", "ash:metrics:daily:2025-01-21", "total", "3"});  // 364 days before
  redis_->Command({"HSET", "ash:metrics:daily:2025-01-19", "total", "3"});  // 366 days before
  redis_->Command({"ZADD", "ash:metrics:daily:2025-01-22", "1", "{}"});
  redis_->Command({"ZADD", "ash:metrics:daily:2025-01-18", "1", "{}"});
  redis_->Command({"HSET", "ash:metrics:daily:summary", "x", "1"});

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:daily:2025-01-21"));
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:daily:2025-01-22"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:daily:2025-01-19"));
  EXPECT_FALSE(Exists(*redis_, "ash:metrics:daily:2025-01-18"));
  EXPECT_TRUE(Exists(*redis_, "ash:metrics:daily:summary"));
  EXPECT_EQ(Category(report, "daily_aggregates").keys_removed, 2);
  EXPECT_EQ(Category(report, "daily_aggregates").keys_skipped, 1);
}

TEST_F(RetentionRunTest, HistoryEntriesByScoreAndEmptiedKeys) {
  const std::string mixed = "ash:history:589172729449939425:1002832140087071199";
  const std::string old_only = "ash:history:589172729449939425:1413533232769675770";
  redis_->Command({"ZADD", mixed, Score(DaysAgo(6)), "{\"message\": \"inside\"}", Score(DaysAgo(8)),
                   "{\"message\": \"outside\"}"});
  redis_->Command({"ZADD", old_only, Score(DaysAgo(8)), "{\"message\": \"a\"}", Score(DaysAgo(9)),
                   "{\"message\": \"b\"}"});
  ASSERT_EQ(Pttl(*redis_, mixed), -1);  // keys without an expiry are cleaned too

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  RedisReply left = redis_->Command({"ZRANGE", mixed, "0", "-1"});
  ASSERT_EQ(left.elements().size(), 1u);
  EXPECT_EQ(left.elements()[0].str(), "{\"message\": \"inside\"}");
  EXPECT_FALSE(Exists(*redis_, old_only));
  const CategoryReport& history = Category(report, "message_history");
  EXPECT_EQ(history.keys_scanned, 2);
  EXPECT_EQ(history.entries_removed, 3);
  EXPECT_EQ(history.keys_removed, 1);
}

TEST_F(RetentionRunTest, SessionsAgedByEndAndGivenExpiry) {
  auto meta = [&](const std::string& id, EpochMs started, std::optional<EpochMs> ended) {
    std::string json = fmt::format(
        R"({{"session_id": "{}", "user_id": 821809871890817687, "user_name": "Perrin", "severity": "medium", "started_at": "{}", "status": "{}")",
        id, BotTime(started), ended ? "completed" : "active");
    if (ended) json += fmt::format(R"(, "ended_at": "{}", "duration_seconds": 300.0)", BotTime(*ended));
    json += "}";
    redis_->Command({"SET", "ash:session:meta:" + id, json});
    redis_->Command({"RPUSH", "ash:session:notes:" + id, "{\"note_id\": \"note_1\"}"});
  };
  meta("aaaa0001", DaysAgo(29) - kMsPerHour, DaysAgo(29));  // inside: kept, gets an expiry
  meta("aaaa0002", DaysAgo(31) - kMsPerHour, DaysAgo(31));  // outside: removed with notes
  meta("aaaa0003", DaysAgo(31), std::nullopt);              // active, started outside
  redis_->Command({"PEXPIRE", "ash:session:meta:aaaa0003", std::to_string(10 * kMsPerDay)});
  redis_->Command({"SET", "ash:session:meta:broken", "not json"});

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(Exists(*redis_, "ash:session:meta:aaaa0001"));
  EXPECT_TRUE(Exists(*redis_, "ash:session:notes:aaaa0001"));
  // Expires 30 days after the end: in 1 day, counted from the test's now.
  EXPECT_GT(Pttl(*redis_, "ash:session:meta:aaaa0001"), kMsPerDay - 60000);
  EXPECT_LE(Pttl(*redis_, "ash:session:meta:aaaa0001"), kMsPerDay);
  EXPECT_GT(Pttl(*redis_, "ash:session:notes:aaaa0001"), 0);
  EXPECT_FALSE(Exists(*redis_, "ash:session:meta:aaaa0002"));
  EXPECT_FALSE(Exists(*redis_, "ash:session:notes:aaaa0002"));
  EXPECT_FALSE(Exists(*redis_, "ash:session:meta:aaaa0003"));
  EXPECT_TRUE(Exists(*redis_, "ash:session:meta:broken"));
  const CategoryReport& sessions = Category(report, "session_data");
  EXPECT_EQ(sessions.keys_removed, 4);
  EXPECT_EQ(sessions.expiries_set, 2);
  EXPECT_EQ(sessions.keys_skipped, 1);
}

TEST_F(RetentionRunTest, OptOutsWithoutExpiry) {
  auto optout = [&](const std::string& user_id, EpochMs expires_at) {
    redis_->Command({"SET", "ash:optout:" + user_id,
                     fmt::format(R"({{"user_id": {}, "opted_out": true, "expires_at": "{}"}})", user_id,
                                 BotTime(expires_at))});
  };
  optout("1000000000000000001", kNow - kMsPerDay);  // passed, no expiry: removed
  optout("1000000000000000002", kNow + kMsPerDay);  // ahead, no expiry: gets one
  optout("1000000000000000003", kNow - kMsPerDay);  // passed, with an expiry: Redis's job
  redis_->Command({"PEXPIRE", "ash:optout:1000000000000000003", "600000"});

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(Exists(*redis_, "ash:optout:1000000000000000001"));
  EXPECT_GT(Pttl(*redis_, "ash:optout:1000000000000000002"), kMsPerDay - 60000);
  EXPECT_TRUE(Exists(*redis_, "ash:optout:1000000000000000003"));
  EXPECT_EQ(Category(report, "opt_outs").keys_removed, 1);
  EXPECT_EQ(Category(report, "opt_outs").expiries_set, 1);
}

TEST_F(RetentionRunTest, UnrelatedKeysSurvive) {
  const std::vector<RedisCommand> unrelated = {
      {"SET", "other:key", "1"},
      {"SET", "ash:other:thing", "1"},
      {"ZADD", "ash:historyX:1:2", "1", "old"},
      {"ZADD", "ash:history:notasnowflake:1", "1", "old"},
      {"ZADD", "bot2:history:589172729449939425:1002832140087071199", "1", "old"},
      {"ZADD", "bot2:ash:history:589172729449939425:1002832140087071199", "1", "old"},
      {"SET", "ash:optout:someone", "{\"expires_at\": \"2020-01-01T00:00:00+00:00\"}"},
      {"SET", "ash:followup:scheduled:fu_00000001", "{}"},
      {"SET", "ash:pending_alert:1", "{}"},
      {"SET", "ash:reports:weekly:2020-01-05", "{}"},
      {"SET", "ash:metrics:event_id:abc", "{}"},
      {"XADD", "ash:metrics:events", "1-1", "type", "alert_created"},
      {"HSET", "bot2:metrics:alert:alert_x", "created_at", "1"},
      {"HSET", "bot2:metrics:daily:2020-01-01", "total", "1"},
  };
  redis_->Pipeline(unrelated);
  auto before = DumpAll(*redis_);

  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  ASSERT_TRUE(report.ok());
  auto after = DumpAll(*redis_);
  after.erase("ash:retention:last_run");
  EXPECT_EQ(before, after);
}

TEST_F(RetentionRunTest, DryRunChangesNothing) {
  AddHashAlert("alert_old", "1000000000000000002", DaysAgo(91));
  AddV5Alert("alert_v5old", "1000000000000000004", DaysAgo(91), DaysAgo(1));
  redis_->Command({"ZADD", "ash:history:1:2", Score(DaysAgo(8)), "a", Score(DaysAgo(1)), "b"});
  redis_->Command({"ZADD", "ash:history:1:3", Score(DaysAgo(8)), "a"});
  redis_->Command({"HSET", "ash:metrics:daily:2024-01-01", "total", "1"});
  redis_->Command({"SET", "ash:session:meta:s1", R"({"user_id": 5, "started_at": "2025-01-01T00:00:00+00:00"})"});
  redis_->Command({"SET", "ash:session:meta:s2", R"({"user_id": 5, "started_at": "2026-01-19T00:00:00+00:00"})"});
  redis_->Command({"SET", "ash:optout:7", R"({"expires_at": "2026-01-01T00:00:00+00:00"})"});
  auto before = DumpAll(*redis_);

  RetentionReport dry = RunRetention(*redis_, settings_, kNow, true);

  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(before, DumpAll(*redis_));

  // The dry run's counts are what the real run then removes.
  RetentionReport real = RunRetention(*redis_, settings_, kNow, false);
  ASSERT_TRUE(real.ok());
  ASSERT_EQ(dry.categories.size(), real.categories.size());
  for (size_t i = 0; i < dry.categories.size(); ++i) {
    SCOPED_TRACE(dry.categories[i].name);
    EXPECT_EQ(dry.categories[i].keys_removed, real.categories[i].keys_removed);
    EXPECT_EQ(dry.categories[i].entries_removed, real.categories[i].entries_removed);
    EXPECT_EQ(dry.categories[i].expiries_set, real.categories[i].expiries_set);
  }
  EXPECT_EQ(dry.TotalKeysRemoved(), 4 + 1 + 1 + 1 + 1);
}

TEST_F(RetentionRunTest, ReportStoredAndRendered) {
  redis_->Command({"ZADD", "ash:history:1:2", Score(DaysAgo(8)), "a"});
  RetentionReport report = RunRetention(*redis_, settings_, kNow, false);

  auto stored = ReadLastRetentionReport(*redis_);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(RetentionToJson(*stored), RetentionToJson(report));
  EXPECT_EQ(stored->TotalEntriesRemoved(), 1);

  const std::string text = RenderRetentionText(report);
  EXPECT_NE(text.find("message_history"), std::string::npos) << text;
  EXPECT_NE(text.find("Removed 1 keys and 1 entries"), std::string::npos) << text;
  nlohmann::json json = RetentionToJson(report);
  EXPECT_EQ(json["categories"].size(), 6u);
  EXPECT_EQ(json["ok"], true);
}

// Dead letters age with the alert records (90 days by default), by the time
// in their entry ids, in pages of batch_size entries.
TEST_F(RetentionRunTest, DeadLettersAgeWithAlerts) {
  settings_.batch_size = 2;
  const std::string stream = "ash:metrics:events:dead";
  for (int days : {120, 100, 91, 89, 1}) {
    redis_->Command({"XADD", stream, fmt::format("{}-0", DaysAgo(days)), "event", "{}", "reason", "invalid"});
  }

  RetentionReport dry = RunRetention(*redis_, settings_, kNow, true);
  EXPECT_EQ(Category(dry, "dead_letters").entries_removed, 3);
  EXPECT_EQ(redis_->Command({"XLEN", stream}).integer(), 5);

  RetentionReport real = RunRetention(*redis_, settings_, kNow, false);
  ASSERT_TRUE(real.ok()) << *real.error;
  EXPECT_EQ(Category(real, "dead_letters").entries_removed, 3);
  const RedisReply remaining = redis_->Command({"XRANGE", stream, "-", "+"});
  const std::vector<RedisReply>& entries = remaining.elements();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].elements()[0].str(), fmt::format("{}-0", DaysAgo(89)));
  EXPECT_EQ(entries[1].elements()[0].str(), fmt::format("{}-0", DaysAgo(1)));
}

TEST_F(RetentionRunTest, DryRunStoresNoReport) {
  RunRetention(*redis_, settings_, kNow, true);
  EXPECT_FALSE(ReadLastRetentionReport(*redis_).has_value());
}

TEST_F(RetentionRunTest, V5FixtureAtSnapshot) {
  testing::LoadRedisExport(*redis_, testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  const EpochMs snapshot = At("2026-01-12T09:30:00Z");

  RetentionReport report = RunRetention(*redis_, settings_, snapshot, false);

  ASSERT_TRUE(report.ok()) << *report.error;
  // History goes back about 20 days: only the last 7 stay.
  const CategoryReport& history = Category(report, "message_history");
  EXPECT_GT(history.entries_removed, 0);
  RedisReply history_keys = redis_->Command({"KEYS", "ash:history:*"});
  for (const RedisReply& key : history_keys.elements()) {
    RedisReply oldest = redis_->Command({"ZRANGE", key.str(), "0", "0", "WITHSCORES"});
    EXPECT_GE(std::stod(oldest.elements().at(1).str()), (snapshot - 7 * kMsPerDay) / 1000.0) << key.str();
  }
  // Completed sessions lost their expiry to a plain SET: now all have one.
  EXPECT_EQ(Category(report, "session_data").expiries_set, 16);
  RedisReply meta_keys = redis_->Command({"KEYS", "ash:session:meta:*"});
  EXPECT_EQ(meta_keys.elements().size(), 17u);
  for (const RedisReply& key : meta_keys.elements()) EXPECT_GT(Pttl(*redis_, key.str()), 0) << key.str();
  // Every alert is younger than 90 days and every aggregate younger than a year.
  EXPECT_EQ(redis_->Command({"KEYS", "ash:metrics:alert:*"}).elements().size(), 44u);
  EXPECT_EQ(redis_->Command({"KEYS", "ash:metrics:daily:*"}).elements().size(), 9u);
  EXPECT_EQ(Category(report, "opt_outs").keys_removed, 0);
}

TEST(RetentionSettingsTest, RangesChecked) {
  RetentionSettings settings;
  EXPECT_FALSE(ValidateRetentionSettings(settings).has_value());
  settings.message_history_days = 31;
  auto error = ValidateRetentionSettings(settings);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("message_history_days is 31"), std::string::npos) << *error;
  EXPECT_NE(error->find("1 to 30"), std::string::npos) << *error;
}

}  // namespace
}  // namespace ash
