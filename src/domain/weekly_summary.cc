#include "domain/weekly_summary.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ash {
namespace {

constexpr double kMedian = 0.5;
constexpr double kP90 = 0.9;

// The duration of one lifecycle step, or nullopt when the step's time is
// not set. The stored whole seconds win over a recomputation, because the
// v5 bot derived them from microsecond timestamps.
std::optional<std::int64_t> StepSeconds(const AlertRecord& record, const std::optional<EpochMs>& at,
                                        const std::optional<std::int64_t>& stored) {
  if (!at) {
    return std::nullopt;
  }
  if (stored) {
    return *stored;
  }
  return ElapsedSeconds(record.created_at, *at);
}

std::optional<std::int64_t> AcknowledgeSeconds(const AlertRecord& r) {
  return StepSeconds(r, r.acknowledged_at, r.time_to_acknowledge_seconds);
}
std::optional<std::int64_t> AshContactSeconds(const AlertRecord& r) {
  return StepSeconds(r, r.ash_contacted_at, r.time_to_ash_seconds);
}
std::optional<std::int64_t> ResponseSeconds(const AlertRecord& r) {
  return StepSeconds(r, r.first_response_at, r.time_to_response_seconds);
}
std::optional<std::int64_t> ResolveSeconds(const AlertRecord& r) {
  return StepSeconds(r, r.resolved_at, r.time_to_resolve_seconds);
}

// The 1-based nearest rank ceil(p * n) of n >= 1 values, computed in double
// as the definition does. p <= 0 or NaN gives 1 and p >= 1 gives n, so the
// rank always indexes a value.
std::int64_t NearestRankIndex(std::int64_t n, double p) {
  if (!(p > 0)) {
    return 1;
  }
  if (p >= 1) {
    return n;
  }
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n))), 1, n);
}

std::optional<double> Mean(std::int64_t sum, std::int64_t count) {
  if (count <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(sum) / static_cast<double>(count);
}

std::optional<double> Mean(const DurationAggregate& aggregate) {
  return Mean(aggregate.sum, aggregate.count);
}

WeeklySummary EmptySummary(WeekWindow window, SummarySource source) {
  WeeklySummary summary;
  summary.window = window;
  summary.source = source;
  for (Date day = window.start; day <= window.end; day = day.AddDays(1)) {
    summary.by_day.emplace_back(day, 0);
  }
  return summary;
}

// Fills the figures derived from the counts: unacknowledged, peaks and the
// sorted responder list.
void Finish(const std::map<Snowflake, std::int64_t>& acknowledgments, WeeklySummary& summary) {
  summary.unacknowledged_count = summary.total_alerts - summary.acknowledged_count;

  if (summary.total_alerts > 0) {
    // max_element returns the first maximum, which is the earliest date and
    // the earliest hour on a tie.
    auto day = std::max_element(summary.by_day.begin(), summary.by_day.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
    summary.peak_day = PeakDay{day->first, day->second};
    auto hour = std::max_element(summary.by_hour.begin(), summary.by_hour.end());
    // Aggregates without hour counters leave every hour at 0: no peak then.
    if (*hour > 0) {
      summary.peak_hour = PeakHour{static_cast<int>(hour - summary.by_hour.begin()), *hour};
    }
  }

  for (const auto& [user_id, count] : acknowledgments) {
    summary.top_responders.push_back({user_id, count});
  }
  std::sort(summary.top_responders.begin(), summary.top_responders.end(),
            [](const ResponderCount& a, const ResponderCount& b) {
              if (a.acknowledgments != b.acknowledgments) {
                return a.acknowledgments > b.acknowledgments;
              }
              return a.user_id < b.user_id;
            });
}

// Nearest rank over a histogram: the midpoint of the bucket that contains the
// value of rank ceil(p * n), clamped to [min, max] so an exact extreme is
// never reported as a value outside the data.
std::optional<std::int64_t> HistogramNearestRank(const std::map<int, std::int64_t>& histogram,
                                                 double p, const DurationAggregate& durations) {
  std::int64_t n = 0;
  for (const auto& [bucket, count] : histogram) {
    n += count;
  }
  if (n <= 0) {
    return std::nullopt;
  }
  const std::int64_t rank = NearestRankIndex(n, p);

  std::int64_t seen = 0;
  std::int64_t value = 0;
  for (const auto& [bucket, count] : histogram) {
    seen += count;
    if (seen >= rank) {
      value = HistogramBucketMidpoint(bucket);
      break;
    }
  }
  if (durations.min) {
    value = std::max(value, *durations.min);
  }
  if (durations.max) {
    value = std::min(value, *durations.max);
  }
  return value;
}

}  // namespace

WeekWindow DefaultReportWeek(EpochMs now) {
  return WeekWindow::EndingOn(Date::OfInstant(now).AddDays(-1));
}

std::optional<std::int64_t> NearestRank(const std::vector<std::int64_t>& sorted_values, double p) {
  if (sorted_values.empty()) {
    return std::nullopt;
  }
  const std::int64_t rank = NearestRankIndex(static_cast<std::int64_t>(sorted_values.size()), p);
  return sorted_values[static_cast<std::size_t>(rank - 1)];
}

WeeklySummary SummarizeRecords(const std::vector<AlertRecord>& records, WeekWindow window) {
  WeeklySummary summary = EmptySummary(window, SummarySource::kRecords);
  std::vector<std::int64_t> acknowledge;
  std::vector<std::int64_t> resolve;
  DurationAggregate acknowledge_totals;
  DurationAggregate ash_contact;
  DurationAggregate response;
  DurationAggregate resolve_totals;
  std::map<Snowflake, std::int64_t> acknowledgments;

  for (const AlertRecord& record : records) {
    const Date day = Date::OfInstant(record.created_at);
    if (!window.Contains(day)) {
      continue;
    }

    summary.total_alerts += 1;
    summary.by_severity[static_cast<std::size_t>(record.severity)] += 1;
    summary.by_day[static_cast<std::size_t>(day.days - window.start.days)].second += 1;
    summary.by_hour[static_cast<std::size_t>(HourOfDay(record.created_at))] += 1;

    if (auto seconds = AcknowledgeSeconds(record)) {
      summary.acknowledged_count += 1;
      acknowledge.push_back(*seconds);
      acknowledge_totals.Add(*seconds);
      if (record.acknowledged_by) {
        acknowledgments[*record.acknowledged_by] += 1;
      }
    }
    if (auto seconds = AshContactSeconds(record)) {
      ash_contact.Add(*seconds);
      summary.ash_sessions_total += 1;
      (record.was_auto_initiated ? summary.ash_auto_count : summary.ash_manual_count) += 1;
    }
    if (auto seconds = ResponseSeconds(record)) {
      response.Add(*seconds);
    }
    if (auto seconds = ResolveSeconds(record)) {
      resolve.push_back(*seconds);
      resolve_totals.Add(*seconds);
    }
    if (record.user_opted_out) {
      summary.user_optout_count += 1;
    }
  }

  std::sort(acknowledge.begin(), acknowledge.end());
  std::sort(resolve.begin(), resolve.end());
  summary.avg_acknowledge_seconds = Mean(acknowledge_totals);
  summary.median_acknowledge_seconds = NearestRank(acknowledge, kMedian);
  summary.p90_acknowledge_seconds = NearestRank(acknowledge, kP90);
  summary.min_acknowledge_seconds = acknowledge_totals.min;
  summary.max_acknowledge_seconds = acknowledge_totals.max;
  summary.avg_ash_contact_seconds = Mean(ash_contact);
  summary.avg_response_seconds = Mean(response);
  summary.avg_resolve_seconds = Mean(resolve_totals);
  summary.median_resolve_seconds = NearestRank(resolve, kMedian);
  summary.p90_resolve_seconds = NearestRank(resolve, kP90);

  Finish(acknowledgments, summary);
  return summary;
}

WeeklySummary SummarizeAggregates(const std::vector<DailyAggregate>& days, WeekWindow window) {
  WeeklySummary summary = EmptySummary(window, SummarySource::kAggregates);
  DurationAggregate acknowledge;
  DurationAggregate ash_contact;
  DurationAggregate response;
  DurationAggregate resolve;
  std::map<int, std::int64_t> histogram;
  std::map<Snowflake, std::int64_t> acknowledgments;

  for (const DailyAggregate& day : days) {
    if (!window.Contains(day.date)) {
      continue;
    }

    summary.total_alerts += day.total;
    summary.by_day[static_cast<std::size_t>(day.date.days - window.start.days)].second += day.total;
    for (std::size_t i = 0; i < day.by_severity.size(); ++i) {
      summary.by_severity[i] += day.by_severity[i];
    }
    for (std::size_t i = 0; i < day.by_hour.size(); ++i) {
      summary.by_hour[i] += day.by_hour[i];
    }

    acknowledge.Merge(day.acknowledge);
    ash_contact.Merge(day.ash_contact);
    response.Merge(day.response);
    resolve.Merge(day.resolve);
    for (const auto& [bucket, count] : day.acknowledge_histogram) {
      histogram[bucket] += count;
    }
    for (const auto& [user_id, count] : day.acknowledgments_by_responder) {
      acknowledgments[user_id] += count;
    }

    summary.ash_auto_count += day.ash_auto;
    summary.ash_manual_count += day.ash_manual;
    summary.user_optout_count += day.opted_out;
  }

  summary.acknowledged_count = acknowledge.count;
  summary.ash_sessions_total = summary.ash_auto_count + summary.ash_manual_count;
  summary.avg_acknowledge_seconds = Mean(acknowledge);
  summary.median_acknowledge_seconds = HistogramNearestRank(histogram, kMedian, acknowledge);
  summary.p90_acknowledge_seconds = HistogramNearestRank(histogram, kP90, acknowledge);
  summary.min_acknowledge_seconds = acknowledge.min;
  summary.max_acknowledge_seconds = acknowledge.max;
  summary.avg_ash_contact_seconds = Mean(ash_contact);
  summary.avg_response_seconds = Mean(response);
  summary.avg_resolve_seconds = Mean(resolve);

  Finish(acknowledgments, summary);
  return summary;
}

void AddToAggregate(const AlertRecord& record, DailyAggregate& aggregate) {
  aggregate.total += 1;
  aggregate.by_severity[static_cast<std::size_t>(record.severity)] += 1;
  aggregate.by_hour[static_cast<std::size_t>(HourOfDay(record.created_at))] += 1;

  if (auto seconds = AcknowledgeSeconds(record)) {
    aggregate.acknowledge.Add(*seconds);
    aggregate.acknowledge_histogram[HistogramBucket(*seconds)] += 1;
    if (record.acknowledged_by) {
      aggregate.acknowledgments_by_responder[*record.acknowledged_by] += 1;
    }
  }
  if (auto seconds = AshContactSeconds(record)) {
    aggregate.ash_contact.Add(*seconds);
    (record.was_auto_initiated ? aggregate.ash_auto : aggregate.ash_manual) += 1;
  }
  if (auto seconds = ResponseSeconds(record)) {
    aggregate.response.Add(*seconds);
  }
  if (auto seconds = ResolveSeconds(record)) {
    aggregate.resolve.Add(*seconds);
  }
  if (record.user_opted_out) {
    aggregate.opted_out += 1;
  }
}

std::vector<DailyAggregate> BuildDailyAggregates(const std::vector<AlertRecord>& records) {
  std::map<Date, DailyAggregate> by_date;
  for (const AlertRecord& record : records) {
    const Date day = Date::OfInstant(record.created_at);
    DailyAggregate& aggregate = by_date[day];
    aggregate.date = day;
    AddToAggregate(record, aggregate);
  }

  std::vector<DailyAggregate> result;
  result.reserve(by_date.size());
  for (auto& [date, aggregate] : by_date) {
    result.push_back(std::move(aggregate));
  }
  return result;
}

}  // namespace ash
