// Two processes apply the same simulated events to one Redis at once. Every
// alert must be counted once, and every daily aggregate must equal the
// aggregate recomputed from the alert records.
#include <filesystem>

#include <gtest/gtest.h>

#include "domain/weekly_summary.h"
#include "storage/alert_reader.h"
#include "support/command.h"
#include "support/redis_server.h"

namespace ash {
namespace {

void ExpectSameDuration(const DurationAggregate& stored, const DurationAggregate& recomputed, const std::string& what) {
  EXPECT_EQ(stored.count, recomputed.count) << what;
  EXPECT_EQ(stored.sum, recomputed.sum) << what;
  EXPECT_EQ(stored.min, recomputed.min) << what;
  EXPECT_EQ(stored.max, recomputed.max) << what;
}

TEST(ConcurrentIngestTest, TwoProcessesCountEveryAlertOnce) {
  testing::RedisServer redis;
  const std::string events_path = redis.directory() + "/events.ndjson";
  testing::CommandResult simulated = testing::RunAshMetrics(
      {"simulate", "--week-of", "2026-01-05", "--alerts", "3700", "--seed", "7", "--output", events_path});
  ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
  const std::string events = testing::ReadFile(events_path);
  const auto event_count = std::count(events.begin(), events.end(), '\n');
  ASSERT_GE(event_count, 10000);

  const std::vector<std::string> ingest = {"ingest", events_path, "--batch-size", "200", "--redis-url", redis.url(),
                                           "--now", "2026-01-12T09:00:00Z", "--format", "json"};
  const std::map<std::string, std::string> env = {{"BOT_SECRETS_DIR", redis.directory()}};
  const int first = testing::StartAshMetrics(ingest, redis.directory() + "/a.out", redis.directory() + "/a.err", env);
  const int second = testing::StartAshMetrics(ingest, redis.directory() + "/b.out", redis.directory() + "/b.err", env);
  ASSERT_EQ(testing::WaitForExit(first), 0) << testing::ReadFile(redis.directory() + "/a.err");
  ASSERT_EQ(testing::WaitForExit(second), 0) << testing::ReadFile(redis.directory() + "/b.err");

  auto connection = redis.Connect();
  const Date first_day = Date::FromYmd(2026, 1, 5);
  std::vector<AlertRecord> records =
      ReadAlertsCreatedBetween(*connection, first_day.StartMs(), first_day.AddDays(7).StartMs());
  EXPECT_EQ(records.size(), 3700u);

  std::map<Date, DailyAggregate> recomputed;
  for (const AlertRecord& record : records) {
    DailyAggregate& day = recomputed[Date::OfInstant(record.created_at)];
    day.date = Date::OfInstant(record.created_at);
    AddToAggregate(record, day);
  }
  std::vector<DailyAggregate> stored = ReadDailyAggregates(*connection, first_day, first_day.AddDays(6));
  ASSERT_EQ(stored.size(), recomputed.size());
  std::int64_t total = 0;
  for (const DailyAggregate& day : stored) {
    const DailyAggregate& expected = recomputed.at(day.date);
    const std::string date = FormatIsoDate(day.date);
    total += day.total;
    EXPECT_EQ(day.total, expected.total) << date;
    EXPECT_EQ(day.by_severity, expected.by_severity) << date;
    EXPECT_EQ(day.by_hour, expected.by_hour) << date;
    ExpectSameDuration(day.acknowledge, expected.acknowledge, date + " acknowledge");
    ExpectSameDuration(day.ash_contact, expected.ash_contact, date + " ash contact");
    ExpectSameDuration(day.response, expected.response, date + " response");
    ExpectSameDuration(day.resolve, expected.resolve, date + " resolve");
    EXPECT_EQ(day.ash_auto, expected.ash_auto) << date;
    EXPECT_EQ(day.ash_manual, expected.ash_manual) << date;
    EXPECT_EQ(day.opted_out, expected.opted_out) << date;
    EXPECT_EQ(day.acknowledgments_by_responder, expected.acknowledgments_by_responder) << date;
    EXPECT_EQ(day.acknowledge_histogram, expected.acknowledge_histogram) << date;
  }
  EXPECT_EQ(total, 3700);
}

}  // namespace
}  // namespace ash
