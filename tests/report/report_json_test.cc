#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "report/report_render.h"
#include "report/sample_reports.h"

namespace ash {
namespace {

using namespace ::ash::testing;

// The fields of the v5 weekly summary, in its order.
const std::vector<std::string> kSummaryFields = {
    "start_date", "end_date", "total_alerts", "by_severity", "acknowledged_count",
    "unacknowledged_count", "avg_acknowledge_seconds", "median_acknowledge_seconds",
    "p90_acknowledge_seconds", "avg_ash_contact_seconds", "avg_response_seconds",
    "avg_resolve_seconds", "ash_sessions_total", "ash_manual_count", "ash_auto_count",
    "user_optout_count", "by_day", "peak_day", "peak_hour", "top_responders",
};

TEST(SummaryToJsonTest, FixtureWeekFigures) {
  const nlohmann::json json = SummaryToJson(FixtureReport().week);
  EXPECT_EQ(json["start_date"], "2026-01-05");
  EXPECT_EQ(json["end_date"], "2026-01-11");
  EXPECT_EQ(json["total_alerts"], 40);
  EXPECT_EQ(json["by_severity"], nlohmann::json::parse(
                                     R"({"critical": 3, "high": 9, "medium": 17, "low": 11})"));
  EXPECT_EQ(json["acknowledged_count"], 26);
  EXPECT_EQ(json["unacknowledged_count"], 14);
  EXPECT_EQ(json["avg_acknowledge_seconds"].get<double>(), 365.46153846153845);
  EXPECT_EQ(json["median_acknowledge_seconds"], 143);
  EXPECT_EQ(json["p90_acknowledge_seconds"], 1258);
  EXPECT_EQ(json["avg_ash_contact_seconds"].get<double>(), 164.625);
  EXPECT_EQ(json["avg_response_seconds"].get<double>(), 708.6666666666666);
  EXPECT_TRUE(json["avg_resolve_seconds"].is_null());
  EXPECT_EQ(json["ash_sessions_total"], 16);
  EXPECT_EQ(json["ash_manual_count"], 6);
  EXPECT_EQ(json["ash_auto_count"], 10);
  EXPECT_EQ(json["user_optout_count"], 4);
  EXPECT_EQ(json["by_day"], nlohmann::json::parse(R"({"2026-01-05": 4, "2026-01-06": 4,
      "2026-01-07": 8, "2026-01-08": 6, "2026-01-09": 6, "2026-01-10": 6, "2026-01-11": 6})"));
  EXPECT_EQ(json["peak_day"],
            nlohmann::json::parse(R"({"date": "2026-01-07", "weekday": "Wednesday", "count": 8})"));
  EXPECT_EQ(json["peak_hour"], nlohmann::json::parse(R"({"hour": 22, "count": 6})"));
}

TEST(SummaryToJsonTest, IdsAreDecimalStrings) {
  const nlohmann::json json = SummaryToJson(FixtureReport().week);
  const nlohmann::json& responders = json["top_responders"];
  ASSERT_EQ(responders.size(), 6u);
  EXPECT_EQ(responders[0], nlohmann::json::parse(
                               R"({"user_id": "398781138319979727", "acknowledgments": 8})"));
  for (const nlohmann::json& responder : responders) {
    EXPECT_TRUE(responder["user_id"].is_string()) << responder.dump();
  }
  WeeklySummary max_id = FixtureReport().week;
  max_id.top_responders = {{18446744073709551615ULL, 1}};
  EXPECT_EQ(SummaryToJson(max_id)["top_responders"][0]["user_id"], "18446744073709551615");
}

TEST(SummaryToJsonTest, AtMostTenResponders) {
  WeeklySummary week = FixtureReport().week;
  week.top_responders.clear();
  for (Snowflake id = 1; id <= 25; ++id) {
    week.top_responders.push_back({id, 100 - static_cast<std::int64_t>(id)});
  }
  const nlohmann::json json = SummaryToJson(week);
  ASSERT_EQ(json["top_responders"].size(), kJsonResponderLimit);
  EXPECT_EQ(json["top_responders"][9]["user_id"], "10");
}

TEST(SummaryToJsonTest, NullsWithoutData) {
  const nlohmann::json json = SummaryToJson(EmptyReport().week);
  for (const char* field :
       {"avg_acknowledge_seconds", "median_acknowledge_seconds", "p90_acknowledge_seconds",
        "avg_ash_contact_seconds", "avg_response_seconds", "avg_resolve_seconds", "peak_day",
        "peak_hour", "min_acknowledge_seconds", "max_acknowledge_seconds",
        "median_resolve_seconds", "p90_resolve_seconds", "percentile_relative_error"}) {
    ASSERT_TRUE(json.contains(field)) << field;
    EXPECT_TRUE(json[field].is_null()) << field;
  }
  EXPECT_EQ(json["total_alerts"], 0);
  EXPECT_EQ(json["by_day"].size(), 7u);
  EXPECT_EQ(json["by_day"]["2026-01-08"], 0);
  EXPECT_TRUE(json["top_responders"].is_array());
  EXPECT_TRUE(json["top_responders"].empty());
}

TEST(SummaryToJsonTest, ExtraFields) {
  WeeklySummary week = FixtureReport().week;
  nlohmann::json json = SummaryToJson(week);
  EXPECT_EQ(json["source"], "records");
  EXPECT_TRUE(json["percentile_relative_error"].is_null());
  EXPECT_EQ(json["min_acknowledge_seconds"], 12);
  EXPECT_EQ(json["max_acknowledge_seconds"], 2000);
  ASSERT_EQ(json["by_hour"].size(), 24u);
  EXPECT_EQ(json["by_hour"][22], 6);
  EXPECT_EQ(json["by_hour"][3], 5);
  EXPECT_EQ(json["by_hour"][0], 0);

  week.source = SummarySource::kAggregates;
  json = SummaryToJson(week);
  EXPECT_EQ(json["source"], "aggregates");
  EXPECT_EQ(json["percentile_relative_error"].get<double>(), 0.0625);
}

TEST(SummaryToJsonTest, OrderedFormStartsWithSummaryFields) {
  const nlohmann::ordered_json json = SummaryToOrderedJson(FixtureReport().week);
  std::vector<std::string> keys;
  for (const auto& item : json.items()) {
    keys.push_back(item.key());
  }
  ASSERT_GE(keys.size(), kSummaryFields.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + kSummaryFields.size()), kSummaryFields);
  EXPECT_EQ(nlohmann::json::parse(json.dump()), SummaryToJson(FixtureReport().week));
}

TEST(ReportToJsonTest, AddsPreviousWeekAndChange) {
  const nlohmann::json json = ReportToJson(FixtureReport());
  for (const std::string& field : kSummaryFields) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  ASSERT_TRUE(json.contains("previous_week"));
  const nlohmann::json& previous = json["previous_week"];
  EXPECT_EQ(previous["start_date"], "2025-12-29");
  EXPECT_EQ(previous["end_date"], "2026-01-04");
  EXPECT_EQ(previous["total_alerts"], 2);
  EXPECT_EQ(previous["avg_acknowledge_seconds"].get<double>(), 315.0);
  EXPECT_TRUE(previous["avg_ash_contact_seconds"].is_null());
  EXPECT_EQ(previous["peak_day"]["weekday"], "Sunday");
  EXPECT_FALSE(previous.contains("previous_week"));
  EXPECT_FALSE(previous.contains("week_over_week"));

  const nlohmann::json& change = json["week_over_week"];
  EXPECT_EQ(change["total_alerts_change"], 38);
  EXPECT_DOUBLE_EQ(change["total_alerts_change_percent"].get<double>(), 1900.0);
  EXPECT_EQ(change["acknowledged_count_change"], 24);
  EXPECT_NEAR(change["avg_acknowledge_seconds_change"].get<double>(), 50.4615, 1e-3);
}

TEST(ReportToJsonTest, ChangeIsNullWithoutPreviousData) {
  const nlohmann::json json = ReportToJson(EmptyReport());
  EXPECT_EQ(json["week_over_week"]["total_alerts_change"], 0);
  EXPECT_TRUE(json["week_over_week"]["total_alerts_change_percent"].is_null());
  EXPECT_TRUE(json["week_over_week"]["avg_acknowledge_seconds_change"].is_null());
}

}  // namespace
}  // namespace ash
