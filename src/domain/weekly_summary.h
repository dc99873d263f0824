#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/alert_record.h"
#include "domain/civil_time.h"
#include "domain/daily_aggregate.h"
#include "domain/snowflake.h"

namespace ash {

// 7 whole UTC days, start..end inclusive.
struct WeekWindow {
  Date start;
  Date end;

  static WeekWindow EndingOn(Date end) { return {end.AddDays(-6), end}; }
  WeekWindow Previous() const { return EndingOn(start.AddDays(-1)); }
  bool Contains(Date d) const { return start <= d && d <= end; }
};

// The default report week: the 7 days ending yesterday (UTC) of now.
WeekWindow DefaultReportWeek(EpochMs now);

struct PeakDay {
  Date date;
  std::int64_t count = 0;
};

struct PeakHour {
  int hour = 0;  // 0..23 UTC
  std::int64_t count = 0;
};

struct ResponderCount {
  Snowflake user_id = 0;
  std::int64_t acknowledgments = 0;
};

enum class SummarySource { kRecords, kAggregates };

// The figures of one week. Cohort rule: every figure covers the alerts
// created in the window, whenever their later steps happened.
struct WeeklySummary {
  WeekWindow window;
  SummarySource source = SummarySource::kRecords;

  std::int64_t total_alerts = 0;
  std::array<std::int64_t, 4> by_severity{};  // indexed by Severity
  std::int64_t acknowledged_count = 0;
  std::int64_t unacknowledged_count = 0;

  std::optional<double> avg_acknowledge_seconds;
  // Nearest rank: the value at rank ceil(p * n) of the sorted durations.
  // From aggregates: the midpoint of the histogram bucket holding that rank.
  std::optional<std::int64_t> median_acknowledge_seconds;
  std::optional<std::int64_t> p90_acknowledge_seconds;
  std::optional<double> avg_ash_contact_seconds;
  std::optional<double> avg_response_seconds;
  std::optional<double> avg_resolve_seconds;
  std::optional<std::int64_t> min_acknowledge_seconds;
  std::optional<std::int64_t> max_acknowledge_seconds;
  // Nearest rank over resolved alerts. Daily aggregates keep no resolve
  // histogram, so these stay nullopt for SummarySource::kAggregates.
  std::optional<std::int64_t> median_resolve_seconds;
  std::optional<std::int64_t> p90_resolve_seconds;

  std::int64_t ash_sessions_total = 0;
  std::int64_t ash_manual_count = 0;
  std::int64_t ash_auto_count = 0;
  std::int64_t user_optout_count = 0;

  std::vector<std::pair<Date, std::int64_t>> by_day;  // all 7 dates, in order
  std::array<std::int64_t, 24> by_hour{};
  std::optional<PeakDay> peak_day;    // earliest date on a tie
  std::optional<PeakHour> peak_hour;  // earliest hour on a tie; none without hour counts
  // Every responder: count descending, then user id ascending (numeric).
  std::vector<ResponderCount> top_responders;
};

// A week and the week before it, for week-over-week change.
struct WeeklyReportData {
  WeeklySummary week;
  WeeklySummary previous_week;
};

// Nearest-rank percentile of sorted values: the value at 1-based rank
// ceil(p * n). p <= 0 or NaN gives the first value and p >= 1 the last.
// Returns nullopt when values is empty.
std::optional<std::int64_t> NearestRank(const std::vector<std::int64_t>& sorted_values, double p);

// Summarizes the records created inside the window; others are ignored.
// A step counts when its time is set. Its duration is the record's stored
// time_to_*_seconds, or, when that is missing, ElapsedSeconds from the
// step's time.
WeeklySummary SummarizeRecords(const std::vector<AlertRecord>& records, WeekWindow window);

// Summarizes daily aggregates; dates outside the window are ignored,
// missing dates count as empty days, and two aggregates of one date add up.
// Counts and means are exact. Median and p90 are the midpoint of the
// histogram bucket containing the nearest rank, clamped to the week's min and
// max, so within kHistogramRelativeError of the exact value.
WeeklySummary SummarizeAggregates(const std::vector<DailyAggregate>& days, WeekWindow window);

// Adds one record's contribution to its day's aggregate, exactly as the
// Lua scripts do, so tests can recompute aggregates from records.
// The caller passes the aggregate of the record's UTC creation day.
void AddToAggregate(const AlertRecord& record, DailyAggregate& aggregate);

// The daily aggregates of the records, one per UTC creation day that has
// any, in date order.
std::vector<DailyAggregate> BuildDailyAggregates(const std::vector<AlertRecord>& records);

}  // namespace ash
