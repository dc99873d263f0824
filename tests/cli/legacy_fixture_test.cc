// The real Ash-Bot v5 database of the week of 2026-01-05, read through the
// command line: import-legacy (index or convert) then the weekly report
// must equal the summary computed independently from the alert records.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/command.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using nlohmann::json;

const char* kSnapshotTime = "2026-01-12T09:30:00Z";

class LegacyFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    auto connection = testing::SharedRedis().Connect();
    ASSERT_EQ(testing::LoadRedisExport(*connection, testing::TestDataPath("week-2026-01-05.redis.jsonl")), 170);
    std::ifstream expected(testing::TestDataPath("week-2026-01-05.expected.json"));
    expected_ = json::parse(expected);
  }

  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--redis-url", testing::SharedRedis().url(), "--now", kSnapshotTime});
    return testing::RunAshMetrics(args, "", {{"BOT_SECRETS_DIR", testing::SharedRedis().directory()}});
  }

  json Report() {
    testing::CommandResult result = Run({"report", "--end", "2026-01-11", "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out);
  }

  json expected_;
};

// Counts must match exactly, means within one second.
void ExpectSummaryMatches(const json& actual, const json& expected) {
  for (const char* field : {"start_date", "end_date", "total_alerts", "by_severity", "acknowledged_count",
                            "unacknowledged_count", "median_acknowledge_seconds", "p90_acknowledge_seconds",
                            "ash_sessions_total", "ash_manual_count", "ash_auto_count", "user_optout_count", "by_day",
                            "peak_day", "peak_hour"}) {
    EXPECT_EQ(actual.at(field), expected.at(field)) << field;
  }
  for (const char* field :
       {"avg_acknowledge_seconds", "avg_ash_contact_seconds", "avg_response_seconds", "avg_resolve_seconds"}) {
    if (expected.at(field).is_null()) {
      EXPECT_TRUE(actual.at(field).is_null()) << field;
    } else {
      ASSERT_TRUE(actual.at(field).is_number()) << field;
      EXPECT_NEAR(actual.at(field).get<double>(), expected.at(field).get<double>(), 1.0) << field;
    }
  }
  const json& expected_responders = expected.at("top_responders");
  const json& actual_responders = actual.at("top_responders");
  ASSERT_GE(actual_responders.size(), std::min<size_t>(expected_responders.size(), 10));
  for (size_t i = 0; i < expected_responders.size() && i < 10; ++i) {
    EXPECT_EQ(actual_responders[i], expected_responders[i]) << "responder " << i;
  }
}

TEST_F(LegacyFixtureTest, ReportAfterIndexMatchesExpected) {
  testing::CommandResult import = Run({"import-legacy"});
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_NE(import.out.find("Newly indexed: 44"), std::string::npos) << import.out;

  json report = Report();
  ExpectSummaryMatches(report, expected_);
  ExpectSummaryMatches(report.at("previous_week"), expected_.at("previous_week"));
}

TEST_F(LegacyFixtureTest, ImportTwiceChangesNothing) {
  ASSERT_EQ(Run({"import-legacy"}).exit_code, 0);
  testing::CommandResult again = Run({"import-legacy"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Newly indexed: 0"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("Already indexed: 44"), std::string::npos) << again.out;
}

TEST_F(LegacyFixtureTest, ReportAfterConvertMatchesExpected) {
  testing::CommandResult convert = Run({"import-legacy", "--convert"});
  ASSERT_EQ(convert.exit_code, 0) << convert.err;
  EXPECT_NE(convert.out.find("Converted to the current layout: 44"), std::string::npos) << convert.out;

  auto connection = testing::SharedRedis().Connect();
  EXPECT_EQ(connection->Command({"TYPE", "ash:metrics:alert:alert_d8785933b14f"}).str(), "hash");
  EXPECT_EQ(connection->Command({"TYPE", "ash:metrics:daily:2026-01-07"}).str(), "hash");

  json report = Report();
  ExpectSummaryMatches(report, expected_);
  ExpectSummaryMatches(report.at("previous_week"), expected_.at("previous_week"));
}

TEST_F(LegacyFixtureTest, ConvertTwiceChangesNothing) {
  ASSERT_EQ(Run({"import-legacy", "--convert"}).exit_code, 0);
  auto connection = testing::SharedRedis().Connect();
  const std::string daily_before = connection->Command({"HGETALL", "ash:metrics:daily:2026-01-07"}).elements().size() > 0
                                       ? "present"
                                       : "missing";
  testing::CommandResult again = Run({"import-legacy", "--convert"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Ash-Bot v5 alert records found: 0"), std::string::npos) << again.out;
  EXPECT_EQ(daily_before, "present");
  EXPECT_EQ(connection->Command({"HGET", "ash:metrics:daily:2026-01-07", "total"}).str(), "8");
}

TEST_F(LegacyFixtureTest, DryRunChangesNothing) {
  auto connection = testing::SharedRedis().Connect();
  const std::int64_t keys_before = connection->Command({"DBSIZE"}).integer();
  testing::CommandResult dry = Run({"import-legacy", "--convert", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("(dry run): 44"), std::string::npos) << dry.out;
  EXPECT_EQ(connection->Command({"DBSIZE"}).integer(), keys_before);
  EXPECT_EQ(connection->Command({"EXISTS", "ash:metrics:index:created"}).integer(), 0);
  EXPECT_EQ(connection->Command({"TYPE", "ash:metrics:alert:alert_d8785933b14f"}).str(), "zset");
}

TEST_F(LegacyFixtureTest, ConvertedAggregatesMatchRecords) {
  ASSERT_EQ(Run({"import-legacy", "--convert"}).exit_code, 0);
  auto connection = testing::SharedRedis().Connect();
  // Daily counts of the converted aggregates equal the expected per-day
  // counts from the records (the v5 aggregates counted 46 alerts for the week).
  std::int64_t week_total = 0;
  for (const auto& [date, count] : expected_.at("by_day").items()) {
    RedisReply total = connection->Command({"HGET", "ash:metrics:daily:" + date, "total"});
    EXPECT_EQ(total.str(), std::to_string(count.get<int>())) << date;
    week_total += count.get<int>();
  }
  EXPECT_EQ(week_total, 40);
}

}  // namespace
}  // namespace ash
