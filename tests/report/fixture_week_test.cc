// The weekly summary of real Ash-Bot v5 data (tests/data/week-2026-01-05.*)
// against the summary computed independently from the same alert records.

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "domain/alert_record.h"
#include "domain/weekly_summary.h"
#include "report/report_render.h"
#include "support/redis_server.h"

namespace ash {
namespace {

const WeekWindow kFixtureWeek = WeekWindow::EndingOn(Date::FromYmd(2026, 1, 11));

// The current version of every v5 alert record in the export: the member
// with the highest score, and on equal scores the greatest member, as
// ZREVRANGE key 0 0 returns it.
std::vector<AlertRecord> LoadFixtureRecords() {
  std::ifstream file(testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  EXPECT_TRUE(file.is_open());
  std::vector<AlertRecord> records;
  for (std::string line; std::getline(file, line);) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    const std::string key = entry["key"].get<std::string>();
    if (key.rfind("ash:metrics:alert:", 0) != 0 || entry["type"] != "zset") {
      continue;
    }
    const nlohmann::json* current = nullptr;
    for (const nlohmann::json& member : entry["value"]) {
      if (current == nullptr || member[1].get<double>() > (*current)[1].get<double>() ||
          (member[1].get<double>() == (*current)[1].get<double>() &&
           member[0].get<std::string>() > (*current)[0].get<std::string>())) {
        current = &member;
      }
    }
    EXPECT_NE(current, nullptr) << key;
    if (current == nullptr) {
      continue;
    }
    auto record = ParseV5AlertRecord((*current)[0].get<std::string>());
    EXPECT_TRUE(record.ok()) << key << ": " << (record.ok() ? "" : record.error());
    if (record.ok()) {
      records.push_back(std::move(record.value()));
    }
  }
  return records;
}

nlohmann::json LoadExpected() {
  std::ifstream file(testing::TestDataPath("week-2026-01-05.expected.json"));
  EXPECT_TRUE(file.is_open());
  return nlohmann::json::parse(file);
}

// Compares counts, ids and dates exactly, and means to within a millionth
// of a second.
void ExpectSummaryMatches(const nlohmann::json& expected, const nlohmann::json& actual,
                          const std::string& where) {
  for (const auto& [field, value] : expected.items()) {
    if (field == "previous_week" || field == "definitions" || field == "checks") {
      continue;
    }
    ASSERT_TRUE(actual.contains(field)) << where << field;
    if (value.is_number_float()) {
      ASSERT_TRUE(actual[field].is_number()) << where << field;
      EXPECT_NEAR(actual[field].get<double>(), value.get<double>(), 1e-6) << where << field;
    } else {
      EXPECT_EQ(actual[field], value) << where << field;
    }
  }
}

TEST(FixtureWeekTest, RecordsSummaryMatchesExpectedJson) {
  const std::vector<AlertRecord> records = LoadFixtureRecords();
  const nlohmann::json expected = LoadExpected();
  ASSERT_EQ(records.size(), expected["checks"]["alert_records_in_file"].get<std::size_t>());

  WeeklyReportData report;
  report.week = SummarizeRecords(records, kFixtureWeek);
  report.previous_week = SummarizeRecords(records, kFixtureWeek.Previous());
  const nlohmann::json actual = ReportToJson(report);

  ExpectSummaryMatches(expected, actual, "week: ");
  ExpectSummaryMatches(expected["previous_week"], actual["previous_week"], "previous_week: ");
}

TEST(FixtureWeekTest, AggregatesAgreeWithRecords) {
  const std::vector<AlertRecord> records = LoadFixtureRecords();
  const WeeklySummary exact = SummarizeRecords(records, kFixtureWeek);
  const WeeklySummary estimate = SummarizeAggregates(BuildDailyAggregates(records), kFixtureWeek);

  EXPECT_EQ(estimate.total_alerts, exact.total_alerts);
  EXPECT_EQ(estimate.by_severity, exact.by_severity);
  EXPECT_EQ(estimate.acknowledged_count, exact.acknowledged_count);
  EXPECT_EQ(estimate.avg_acknowledge_seconds, exact.avg_acknowledge_seconds);
  EXPECT_EQ(estimate.avg_ash_contact_seconds, exact.avg_ash_contact_seconds);
  EXPECT_EQ(estimate.avg_response_seconds, exact.avg_response_seconds);
  EXPECT_EQ(estimate.ash_auto_count, exact.ash_auto_count);
  EXPECT_EQ(estimate.ash_manual_count, exact.ash_manual_count);
  EXPECT_EQ(estimate.user_optout_count, exact.user_optout_count);
  EXPECT_EQ(estimate.by_day, exact.by_day);
  EXPECT_EQ(estimate.by_hour, exact.by_hour);
  ASSERT_TRUE(estimate.median_acknowledge_seconds.has_value());
  ASSERT_TRUE(exact.median_acknowledge_seconds.has_value());
  EXPECT_LE(std::abs(static_cast<double>(*estimate.median_acknowledge_seconds -
                                         *exact.median_acknowledge_seconds)),
            static_cast<double>(*exact.median_acknowledge_seconds) * kHistogramRelativeError);
  ASSERT_TRUE(estimate.p90_acknowledge_seconds.has_value());
  ASSERT_TRUE(exact.p90_acknowledge_seconds.has_value());
  EXPECT_LE(std::abs(static_cast<double>(*estimate.p90_acknowledge_seconds -
                                         *exact.p90_acknowledge_seconds)),
            static_cast<double>(*exact.p90_acknowledge_seconds) * kHistogramRelativeError);

  const nlohmann::json json = SummaryToJson(estimate);
  EXPECT_EQ(json["source"], "aggregates");
  EXPECT_EQ(json["top_responders"], SummaryToJson(exact)["top_responders"]);
}

TEST(FixtureWeekTest, TextReportOfRealWeek) {
  const std::vector<AlertRecord> records = LoadFixtureRecords();
  WeeklyReportData report;
  report.week = SummarizeRecords(records, kFixtureWeek);
  report.previous_week = SummarizeRecords(records, kFixtureWeek.Previous());
  const std::string text = RenderTextReport(report, ReportStyle{});

  for (const char* line : {
           "Week of January 5, 2026 - January 11, 2026\n",
           "Total Alerts:          40 (previous week: 2)\n",
           "├─ 🟡 Medium:          17\n",
           "Avg. Time to Acknowledge:    6m 5s\n",
           "Median Time to Acknowledge:  2m 23s\n",
           "90th Pct. Time to Ack.:      20m 58s\n",
           "Ash Sessions Started:        16\n",
           "Peak Day:    Wednesday (8 alerts)\n",
           "Peak Hour:   10 PM - 11 PM\n",
           "1. <@398781138319979727> - 8 acknowledgments\n",
           "5. <@644753342398737496> - 4 acknowledgments\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
  }
}

}  // namespace
}  // namespace ash
