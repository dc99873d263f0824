#include "domain/weekly_summary.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ash {
namespace {

constexpr Snowflake kResponderA = 398781138319979727ULL;
constexpr Snowflake kResponderB = 483551649178725412ULL;
constexpr Snowflake kResponderC = 609896068949621439ULL;

EpochMs At(int year, unsigned month, unsigned day, int hour, int minute, int second = 0) {
  return Date::FromYmd(year, month, day).StartMs() + hour * kMsPerHour + minute * kMsPerMinute +
         second * kMsPerSecond;
}

AlertRecord MakeRecord(const std::string& id, EpochMs created_at, Severity severity) {
  AlertRecord record;
  record.alert_id = id;
  record.alert_message_id = 1400000000000000000ULL;
  record.user_id = 1300000000000000000ULL;
  record.channel_id = 1200000000000000000ULL;
  record.severity = severity;
  record.created_at = created_at;
  return record;
}

void Acknowledge(AlertRecord& record, Snowflake by, std::int64_t seconds) {
  record.acknowledged_at = record.created_at + seconds * kMsPerSecond;
  record.acknowledged_by = by;
  record.time_to_acknowledge_seconds = seconds;
}

void ContactAsh(AlertRecord& record, bool automatic, std::int64_t seconds) {
  record.ash_contacted_at = record.created_at + seconds * kMsPerSecond;
  record.ash_initiated_by = automatic ? "auto" : std::to_string(kResponderA);
  record.was_auto_initiated = automatic;
  record.time_to_ash_seconds = seconds;
}

void Respond(AlertRecord& record, std::int64_t seconds) {
  record.first_response_at = record.created_at + seconds * kMsPerSecond;
  record.first_responder_id = kResponderC;
  record.time_to_response_seconds = seconds;
}

void Resolve(AlertRecord& record, std::int64_t seconds) {
  record.resolved_at = record.created_at + seconds * kMsPerSecond;
  record.time_to_resolve_seconds = seconds;
}

const WeekWindow kWeek = WeekWindow::EndingOn(Date::FromYmd(2026, 1, 11));

// Five alerts inside the week of 2026-01-05 and one just outside each end.
std::vector<AlertRecord> SampleRecords() {
  std::vector<AlertRecord> records;

  AlertRecord monday = MakeRecord("alert_000000000001", At(2026, 1, 5, 0, 3), Severity::kCritical);
  Acknowledge(monday, kResponderA, 60);
  ContactAsh(monday, false, 30);
  Respond(monday, 120);
  records.push_back(monday);

  AlertRecord wednesday_late = MakeRecord("alert_000000000002", At(2026, 1, 7, 22, 10), Severity::kHigh);
  Acknowledge(wednesday_late, kResponderB, 200);
  wednesday_late.user_opted_out = true;
  records.push_back(wednesday_late);

  AlertRecord unacknowledged = MakeRecord("alert_000000000003", At(2026, 1, 7, 22, 40), Severity::kMedium);
  ContactAsh(unacknowledged, true, 180);
  records.push_back(unacknowledged);

  AlertRecord thursday = MakeRecord("alert_000000000004", At(2026, 1, 8, 10, 0), Severity::kLow);
  Acknowledge(thursday, kResponderA, 1000);
  Resolve(thursday, 3600);
  records.push_back(thursday);

  // Acknowledged after midnight, in the next week: still this week's alert.
  AlertRecord sunday = MakeRecord("alert_000000000005", At(2026, 1, 11, 23, 55), Severity::kMedium);
  Acknowledge(sunday, kResponderB, 400);
  records.push_back(sunday);

  AlertRecord before = MakeRecord("alert_000000000006", At(2026, 1, 4, 23, 59, 59), Severity::kLow);
  Acknowledge(before, kResponderC, 5);
  records.push_back(before);

  AlertRecord after = MakeRecord("alert_000000000007", At(2026, 1, 12, 0, 0, 0), Severity::kHigh);
  Acknowledge(after, kResponderC, 5);
  records.push_back(after);
  return records;
}

std::int64_t SeverityCount(const WeeklySummary& summary, Severity severity) {
  return summary.by_severity[static_cast<std::size_t>(severity)];
}

TEST(WeekWindowTest, EndingOnAcrossYearEnd) {
  const WeekWindow window = WeekWindow::EndingOn(Date::FromYmd(2026, 1, 3));
  EXPECT_EQ(window.start, Date::FromYmd(2025, 12, 28));
  EXPECT_EQ(window.end, Date::FromYmd(2026, 1, 3));
}

TEST(WeekWindowTest, EndingOnAcrossMonthEnds) {
  EXPECT_EQ(WeekWindow::EndingOn(Date::FromYmd(2026, 3, 2)).start, Date::FromYmd(2026, 2, 24));
  EXPECT_EQ(WeekWindow::EndingOn(Date::FromYmd(2024, 3, 3)).start, Date::FromYmd(2024, 2, 26));
  EXPECT_EQ(WeekWindow::EndingOn(Date::FromYmd(2026, 5, 1)).start, Date::FromYmd(2026, 4, 25));
}

TEST(WeekWindowTest, PreviousIsSevenDaysBefore) {
  const WeekWindow previous = kWeek.Previous();
  EXPECT_EQ(previous.start, Date::FromYmd(2025, 12, 29));
  EXPECT_EQ(previous.end, Date::FromYmd(2026, 1, 4));
}

TEST(WeekWindowTest, ContainsBothEnds) {
  EXPECT_TRUE(kWeek.Contains(Date::FromYmd(2026, 1, 5)));
  EXPECT_TRUE(kWeek.Contains(Date::FromYmd(2026, 1, 11)));
  EXPECT_FALSE(kWeek.Contains(Date::FromYmd(2026, 1, 4)));
  EXPECT_FALSE(kWeek.Contains(Date::FromYmd(2026, 1, 12)));
}

TEST(DefaultReportWeekTest, MondayCoversPreviousMondayToSunday) {
  const WeekWindow window = DefaultReportWeek(At(2026, 1, 12, 9, 0));
  EXPECT_EQ(window.start, Date::FromYmd(2026, 1, 5));
  EXPECT_EQ(window.end, Date::FromYmd(2026, 1, 11));
}

TEST(DefaultReportWeekTest, DayBoundaries) {
  EXPECT_EQ(DefaultReportWeek(At(2026, 1, 12, 0, 0, 0)).end, Date::FromYmd(2026, 1, 11));
  EXPECT_EQ(DefaultReportWeek(At(2026, 1, 12, 0, 0, 0) - 1).end, Date::FromYmd(2026, 1, 10));
  EXPECT_EQ(DefaultReportWeek(At(2026, 1, 1, 12, 0)).start, Date::FromYmd(2025, 12, 25));
}

TEST(NearestRankTest, EmptyHasNoValue) {
  EXPECT_FALSE(NearestRank({}, 0.5).has_value());
  EXPECT_FALSE(NearestRank({}, 0.9).has_value());
}

TEST(NearestRankTest, SingleValue) {
  EXPECT_EQ(NearestRank({42}, 0.5), 42);
  EXPECT_EQ(NearestRank({42}, 0.9), 42);
}

TEST(NearestRankTest, TwoValues) {
  EXPECT_EQ(NearestRank({10, 20}, 0.5), 10);  // rank ceil(1.0) = 1
  EXPECT_EQ(NearestRank({10, 20}, 0.9), 20);  // rank ceil(1.8) = 2
}

TEST(NearestRankTest, TenValues) {
  const std::vector<std::int64_t> values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(NearestRank(values, 0.5), 5);
  EXPECT_EQ(NearestRank(values, 0.9), 9);
  EXPECT_EQ(NearestRank(values, 1.0), 10);
}

TEST(NearestRankTest, RankMatchesExactCeilingUpTo500) {
  for (std::int64_t n = 1; n <= 500; ++n) {
    std::vector<std::int64_t> values;
    for (std::int64_t i = 1; i <= n; ++i) {
      values.push_back(i);
    }
    ASSERT_EQ(NearestRank(values, 0.5), (n + 1) / 2) << "n " << n;
    ASSERT_EQ(NearestRank(values, 0.9), (9 * n + 9) / 10) << "n " << n;
  }
}

TEST(NearestRankTest, OutOfRangePClamps) {
  EXPECT_EQ(NearestRank({3, 4, 5}, 0.0), 3);
  EXPECT_EQ(NearestRank({3, 4, 5}, -1.0), 3);
  EXPECT_EQ(NearestRank({3, 4, 5}, 2.0), 5);
  EXPECT_EQ(NearestRank({3, 4, 5}, std::nan("")), 3);
}

TEST(SummarizeRecordsTest, CountsOnlyAlertsCreatedInWindow) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  EXPECT_EQ(summary.source, SummarySource::kRecords);
  EXPECT_EQ(summary.window.start, Date::FromYmd(2026, 1, 5));
  EXPECT_EQ(summary.total_alerts, 5);
  EXPECT_EQ(SeverityCount(summary, Severity::kCritical), 1);
  EXPECT_EQ(SeverityCount(summary, Severity::kHigh), 1);
  EXPECT_EQ(SeverityCount(summary, Severity::kMedium), 2);
  EXPECT_EQ(SeverityCount(summary, Severity::kLow), 1);
  EXPECT_EQ(summary.acknowledged_count, 4);
  EXPECT_EQ(summary.unacknowledged_count, 1);
}

TEST(SummarizeRecordsTest, AcknowledgeFigures) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  // Acknowledged in 60, 200, 400 and 1000 seconds.
  EXPECT_DOUBLE_EQ(summary.avg_acknowledge_seconds.value(), 415.0);
  EXPECT_EQ(summary.median_acknowledge_seconds, 200);
  EXPECT_EQ(summary.p90_acknowledge_seconds, 1000);
  EXPECT_EQ(summary.min_acknowledge_seconds, 60);
  EXPECT_EQ(summary.max_acknowledge_seconds, 1000);
}

TEST(SummarizeRecordsTest, OtherStepMeans) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  EXPECT_DOUBLE_EQ(summary.avg_ash_contact_seconds.value(), 105.0);
  EXPECT_DOUBLE_EQ(summary.avg_response_seconds.value(), 120.0);
  EXPECT_DOUBLE_EQ(summary.avg_resolve_seconds.value(), 3600.0);
  EXPECT_EQ(summary.median_resolve_seconds, 3600);
  EXPECT_EQ(summary.p90_resolve_seconds, 3600);
}

TEST(SummarizeRecordsTest, AshSessionsAndOptOuts) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  EXPECT_EQ(summary.ash_sessions_total, 2);
  EXPECT_EQ(summary.ash_manual_count, 1);
  EXPECT_EQ(summary.ash_auto_count, 1);
  EXPECT_EQ(summary.user_optout_count, 1);
}

TEST(SummarizeRecordsTest, ByDayListsAllSevenDates) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  ASSERT_EQ(summary.by_day.size(), 7u);
  const std::int64_t expected[7] = {1, 0, 2, 1, 0, 0, 1};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(summary.by_day[i].first, Date::FromYmd(2026, 1, 5 + i)) << "day " << i;
    EXPECT_EQ(summary.by_day[i].second, expected[i]) << "day " << i;
  }
}

TEST(SummarizeRecordsTest, ByHourAndPeaks) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  EXPECT_EQ(summary.by_hour[0], 1);
  EXPECT_EQ(summary.by_hour[10], 1);
  EXPECT_EQ(summary.by_hour[22], 2);
  EXPECT_EQ(summary.by_hour[23], 1);
  ASSERT_TRUE(summary.peak_day.has_value());
  EXPECT_EQ(summary.peak_day->date, Date::FromYmd(2026, 1, 7));
  EXPECT_EQ(summary.peak_day->count, 2);
  ASSERT_TRUE(summary.peak_hour.has_value());
  EXPECT_EQ(summary.peak_hour->hour, 22);
  EXPECT_EQ(summary.peak_hour->count, 2);
}

TEST(SummarizeRecordsTest, RespondersTieOnCountById) {
  const WeeklySummary summary = SummarizeRecords(SampleRecords(), kWeek);
  ASSERT_EQ(summary.top_responders.size(), 2u);
  EXPECT_EQ(summary.top_responders[0].user_id, kResponderA);
  EXPECT_EQ(summary.top_responders[0].acknowledgments, 2);
  EXPECT_EQ(summary.top_responders[1].user_id, kResponderB);
  EXPECT_EQ(summary.top_responders[1].acknowledgments, 2);
}

TEST(SummarizeRecordsTest, EmptyWeekHasNoPeaksOrMeans) {
  const WeeklySummary summary = SummarizeRecords({}, kWeek);
  EXPECT_EQ(summary.total_alerts, 0);
  EXPECT_EQ(summary.by_day.size(), 7u);
  for (const auto& [date, count] : summary.by_day) {
    EXPECT_EQ(count, 0);
  }
  EXPECT_FALSE(summary.peak_day.has_value());
  EXPECT_FALSE(summary.peak_hour.has_value());
  EXPECT_FALSE(summary.avg_acknowledge_seconds.has_value());
  EXPECT_FALSE(summary.median_acknowledge_seconds.has_value());
  EXPECT_FALSE(summary.p90_acknowledge_seconds.has_value());
  EXPECT_FALSE(summary.min_acknowledge_seconds.has_value());
  EXPECT_FALSE(summary.avg_ash_contact_seconds.has_value());
  EXPECT_FALSE(summary.avg_response_seconds.has_value());
  EXPECT_FALSE(summary.avg_resolve_seconds.has_value());
  EXPECT_TRUE(summary.top_responders.empty());
}

TEST(SummarizeRecordsTest, PeakDayTieTakesEarliestDate) {
  std::vector<AlertRecord> records = {
      MakeRecord("alert_a", At(2026, 1, 9, 3, 0), Severity::kLow),
      MakeRecord("alert_b", At(2026, 1, 6, 15, 0), Severity::kLow),
  };
  const WeeklySummary summary = SummarizeRecords(records, kWeek);
  ASSERT_TRUE(summary.peak_day.has_value());
  EXPECT_EQ(summary.peak_day->date, Date::FromYmd(2026, 1, 6));
  EXPECT_EQ(summary.peak_day->count, 1);
}

TEST(SummarizeRecordsTest, PeakHourTieTakesEarliestHour) {
  std::vector<AlertRecord> records = {
      MakeRecord("alert_a", At(2026, 1, 6, 15, 0), Severity::kLow),
      MakeRecord("alert_b", At(2026, 1, 9, 3, 0), Severity::kLow),
  };
  const WeeklySummary summary = SummarizeRecords(records, kWeek);
  ASSERT_TRUE(summary.peak_hour.has_value());
  EXPECT_EQ(summary.peak_hour->hour, 3);
  EXPECT_EQ(summary.peak_hour->count, 1);
}

TEST(SummarizeRecordsTest, RespondersSortNumericallyNotAsText) {
  // 2^53 + 1 and 2^53 are equal as doubles; the sort must still tell them apart.
  const Snowflake above_double_precision = 9007199254740993ULL;
  const Snowflake just_below = 9007199254740992ULL;
  const Snowflake max_id = 18446744073709551615ULL;
  std::vector<AlertRecord> records;
  int next = 0;
  auto add = [&](Snowflake by) {
    AlertRecord record = MakeRecord("alert_" + std::to_string(next++), At(2026, 1, 6, 12, 0), Severity::kLow);
    Acknowledge(record, by, 10);
    records.push_back(record);
  };
  for (Snowflake id : {Snowflake{10}, Snowflake{9}, max_id, above_double_precision, just_below}) {
    add(id);
  }
  add(max_id);  // the only responder with two acknowledgments

  const WeeklySummary summary = SummarizeRecords(records, kWeek);
  ASSERT_EQ(summary.top_responders.size(), 5u);
  EXPECT_EQ(summary.top_responders[0].user_id, max_id);
  EXPECT_EQ(summary.top_responders[0].acknowledgments, 2);
  EXPECT_EQ(summary.top_responders[1].user_id, 9u);
  EXPECT_EQ(summary.top_responders[2].user_id, 10u);
  EXPECT_EQ(summary.top_responders[3].user_id, just_below);
  EXPECT_EQ(summary.top_responders[4].user_id, above_double_precision);
}

TEST(SummarizeRecordsTest, MissingStoredDurationUsesTimestamps) {
  AlertRecord record = MakeRecord("alert_a", At(2026, 1, 6, 12, 0), Severity::kHigh);
  record.acknowledged_at = record.created_at + 90'999;
  record.acknowledged_by = kResponderA;
  const WeeklySummary summary = SummarizeRecords({record}, kWeek);
  EXPECT_EQ(summary.acknowledged_count, 1);
  EXPECT_EQ(summary.median_acknowledge_seconds, 90);
}

TEST(SummarizeRecordsTest, AcknowledgedWithoutResponderCountsOnlyInFigures) {
  AlertRecord record = MakeRecord("alert_a", At(2026, 1, 6, 12, 0), Severity::kHigh);
  Acknowledge(record, kResponderA, 30);
  record.acknowledged_by.reset();
  const WeeklySummary summary = SummarizeRecords({record}, kWeek);
  EXPECT_EQ(summary.acknowledged_count, 1);
  EXPECT_TRUE(summary.top_responders.empty());
}

TEST(AddToAggregateTest, CountsEveryPresentStep) {
  std::vector<AlertRecord> records = SampleRecords();
  DailyAggregate aggregate;
  aggregate.date = Date::FromYmd(2026, 1, 5);
  AddToAggregate(records[0], aggregate);  // Monday: acknowledged, manual Ash, response

  EXPECT_EQ(aggregate.total, 1);
  EXPECT_EQ(aggregate.by_severity[static_cast<std::size_t>(Severity::kCritical)], 1);
  EXPECT_EQ(aggregate.by_hour[0], 1);
  EXPECT_EQ(aggregate.acknowledge.count, 1);
  EXPECT_EQ(aggregate.acknowledge.sum, 60);
  EXPECT_EQ(aggregate.ash_contact.count, 1);
  EXPECT_EQ(aggregate.ash_contact.sum, 30);
  EXPECT_EQ(aggregate.response.count, 1);
  EXPECT_EQ(aggregate.response.sum, 120);
  EXPECT_EQ(aggregate.resolve.count, 0);
  EXPECT_EQ(aggregate.ash_manual, 1);
  EXPECT_EQ(aggregate.ash_auto, 0);
  EXPECT_EQ(aggregate.opted_out, 0);
  EXPECT_EQ(aggregate.acknowledgments_by_responder.at(kResponderA), 1);
  EXPECT_EQ(aggregate.acknowledge_histogram.at(HistogramBucket(60)), 1);
}

TEST(AddToAggregateTest, UntouchedAlertCountsOnce) {
  DailyAggregate aggregate;
  AddToAggregate(MakeRecord("alert_a", At(2026, 1, 6, 7, 0), Severity::kMedium), aggregate);
  EXPECT_EQ(aggregate.total, 1);
  EXPECT_EQ(aggregate.by_hour[7], 1);
  EXPECT_EQ(aggregate.acknowledge.count, 0);
  EXPECT_TRUE(aggregate.acknowledge_histogram.empty());
  EXPECT_TRUE(aggregate.acknowledgments_by_responder.empty());
}

TEST(BuildDailyAggregatesTest, OnePerCreationDay) {
  const std::vector<DailyAggregate> days = BuildDailyAggregates(SampleRecords());
  ASSERT_EQ(days.size(), 6u);  // 01-04, 01-05, 01-07, 01-08, 01-11, 01-12
  EXPECT_EQ(days.front().date, Date::FromYmd(2026, 1, 4));
  EXPECT_EQ(days[2].date, Date::FromYmd(2026, 1, 7));
  EXPECT_EQ(days[2].total, 2);
  EXPECT_EQ(days.back().date, Date::FromYmd(2026, 1, 12));
}

void ExpectSameCountsAndMeans(const WeeklySummary& exact, const WeeklySummary& estimate) {
  EXPECT_EQ(estimate.total_alerts, exact.total_alerts);
  EXPECT_EQ(estimate.by_severity, exact.by_severity);
  EXPECT_EQ(estimate.acknowledged_count, exact.acknowledged_count);
  EXPECT_EQ(estimate.unacknowledged_count, exact.unacknowledged_count);
  EXPECT_EQ(estimate.avg_acknowledge_seconds, exact.avg_acknowledge_seconds);
  EXPECT_EQ(estimate.avg_ash_contact_seconds, exact.avg_ash_contact_seconds);
  EXPECT_EQ(estimate.avg_response_seconds, exact.avg_response_seconds);
  EXPECT_EQ(estimate.avg_resolve_seconds, exact.avg_resolve_seconds);
  EXPECT_EQ(estimate.min_acknowledge_seconds, exact.min_acknowledge_seconds);
  EXPECT_EQ(estimate.max_acknowledge_seconds, exact.max_acknowledge_seconds);
  EXPECT_EQ(estimate.ash_sessions_total, exact.ash_sessions_total);
  EXPECT_EQ(estimate.ash_manual_count, exact.ash_manual_count);
  EXPECT_EQ(estimate.ash_auto_count, exact.ash_auto_count);
  EXPECT_EQ(estimate.user_optout_count, exact.user_optout_count);
  EXPECT_EQ(estimate.by_day, exact.by_day);
  EXPECT_EQ(estimate.by_hour, exact.by_hour);
  ASSERT_EQ(estimate.peak_day.has_value(), exact.peak_day.has_value());
  if (exact.peak_day) {
    EXPECT_EQ(estimate.peak_day->date, exact.peak_day->date);
    EXPECT_EQ(estimate.peak_day->count, exact.peak_day->count);
  }
  ASSERT_EQ(estimate.peak_hour.has_value(), exact.peak_hour.has_value());
  if (exact.peak_hour) {
    EXPECT_EQ(estimate.peak_hour->hour, exact.peak_hour->hour);
    EXPECT_EQ(estimate.peak_hour->count, exact.peak_hour->count);
  }
  ASSERT_EQ(estimate.top_responders.size(), exact.top_responders.size());
  for (std::size_t i = 0; i < exact.top_responders.size(); ++i) {
    EXPECT_EQ(estimate.top_responders[i].user_id, exact.top_responders[i].user_id) << "rank " << i;
    EXPECT_EQ(estimate.top_responders[i].acknowledgments, exact.top_responders[i].acknowledgments)
        << "rank " << i;
  }
}

void ExpectWithinRelativeError(std::optional<std::int64_t> exact, std::optional<std::int64_t> estimate) {
  ASSERT_EQ(exact.has_value(), estimate.has_value());
  if (exact) {
    EXPECT_LE(std::abs(static_cast<double>(*estimate - *exact)),
              static_cast<double>(*exact) * kHistogramRelativeError)
        << "exact " << *exact << " estimate " << *estimate;
  }
}

TEST(SummarizeAggregatesTest, MatchesRecordsOnSample) {
  const std::vector<AlertRecord> records = SampleRecords();
  const WeeklySummary exact = SummarizeRecords(records, kWeek);
  const WeeklySummary estimate = SummarizeAggregates(BuildDailyAggregates(records), kWeek);

  EXPECT_EQ(estimate.source, SummarySource::kAggregates);
  ExpectSameCountsAndMeans(exact, estimate);
  ExpectWithinRelativeError(exact.median_acknowledge_seconds, estimate.median_acknowledge_seconds);
  ExpectWithinRelativeError(exact.p90_acknowledge_seconds, estimate.p90_acknowledge_seconds);
  EXPECT_FALSE(estimate.median_resolve_seconds.has_value());
}

TEST(SummarizeAggregatesTest, MatchesRecordsOnGeneratedWeek) {
  // A deterministic pseudo-random week of 500 alerts, 14 days of records
  // around it, durations from seconds to days.
  std::vector<AlertRecord> records;
  std::uint64_t state = 88172645463325252ULL;
  auto next = [&state](std::uint64_t bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % bound;
  };
  const EpochMs first = Date::FromYmd(2026, 1, 1).StartMs();
  for (int i = 0; i < 500; ++i) {
    const EpochMs created = first + static_cast<EpochMs>(next(14 * kMsPerDay));
    AlertRecord record = MakeRecord("alert_" + std::to_string(i), created,
                                    static_cast<Severity>(next(4)));
    if (next(4) != 0) {
      const auto scale = static_cast<std::int64_t>(next(6));
      Acknowledge(record, 1000 + next(12), static_cast<std::int64_t>(next(20)) << (scale * 3));
    }
    if (next(3) == 0) {
      ContactAsh(record, next(2) == 0, static_cast<std::int64_t>(next(600)));
    }
    if (next(2) == 0) {
      Respond(record, static_cast<std::int64_t>(next(5000)));
    }
    if (next(5) == 0) {
      Resolve(record, static_cast<std::int64_t>(next(90000)));
    }
    record.user_opted_out = next(10) == 0;
    records.push_back(record);
  }

  const WeekWindow window = WeekWindow::EndingOn(Date::FromYmd(2026, 1, 10));
  const WeeklySummary exact = SummarizeRecords(records, window);
  const WeeklySummary estimate = SummarizeAggregates(BuildDailyAggregates(records), window);
  ASSERT_GT(exact.acknowledged_count, 100);
  ExpectSameCountsAndMeans(exact, estimate);
  ExpectWithinRelativeError(exact.median_acknowledge_seconds, estimate.median_acknowledge_seconds);
  ExpectWithinRelativeError(exact.p90_acknowledge_seconds, estimate.p90_acknowledge_seconds);
}

TEST(SummarizeAggregatesTest, PercentileClampedToMinAndMax) {
  // 1000 s lies in the bucket [960, 1023], whose midpoint 991 is below the
  // only value.
  AlertRecord record = MakeRecord("alert_a", At(2026, 1, 6, 12, 0), Severity::kHigh);
  Acknowledge(record, kResponderA, 1000);
  const WeeklySummary estimate = SummarizeAggregates(BuildDailyAggregates({record}), kWeek);
  EXPECT_EQ(estimate.median_acknowledge_seconds, 1000);
  EXPECT_EQ(estimate.p90_acknowledge_seconds, 1000);
}

TEST(SummarizeAggregatesTest, IgnoresOtherDatesAndAddsDuplicates) {
  DailyAggregate inside;
  inside.date = Date::FromYmd(2026, 1, 6);
  inside.total = 3;
  inside.by_hour[4] = 3;
  DailyAggregate again = inside;
  DailyAggregate outside;
  outside.date = Date::FromYmd(2026, 1, 12);
  outside.total = 50;
  outside.by_hour[4] = 50;

  const WeeklySummary summary = SummarizeAggregates({inside, outside, again}, kWeek);
  EXPECT_EQ(summary.total_alerts, 6);
  EXPECT_EQ(summary.by_day[1].second, 6);
  EXPECT_EQ(summary.by_hour[4], 6);
  EXPECT_FALSE(summary.avg_acknowledge_seconds.has_value());
  EXPECT_FALSE(summary.median_acknowledge_seconds.has_value());
}

TEST(SummarizeAggregatesTest, NoHourCountersMeansNoPeakHour) {
  DailyAggregate day;
  day.date = Date::FromYmd(2026, 1, 6);
  day.total = 4;
  const WeeklySummary summary = SummarizeAggregates({day}, kWeek);
  EXPECT_TRUE(summary.peak_day.has_value());
  EXPECT_FALSE(summary.peak_hour.has_value());
}

TEST(SummarizeAggregatesTest, NoDaysGivesEmptyWeek) {
  const WeeklySummary summary = SummarizeAggregates({}, kWeek);
  EXPECT_EQ(summary.total_alerts, 0);
  EXPECT_EQ(summary.by_day.size(), 7u);
  EXPECT_FALSE(summary.peak_day.has_value());
  EXPECT_FALSE(summary.peak_hour.has_value());
}

}  // namespace
}  // namespace ash
