#pragma once

// Hand-made report data shared by the report tests.

#include <cstdint>
#include <vector>

#include "domain/weekly_summary.h"

namespace ash::testing {

inline const WeekWindow kWeek = WeekWindow::EndingOn(Date::FromYmd(2026, 1, 11));

inline void SetSeverities(WeeklySummary& summary, std::int64_t critical, std::int64_t high,
                   std::int64_t medium, std::int64_t low) {
  summary.by_severity[static_cast<std::size_t>(Severity::kCritical)] = critical;
  summary.by_severity[static_cast<std::size_t>(Severity::kHigh)] = high;
  summary.by_severity[static_cast<std::size_t>(Severity::kMedium)] = medium;
  summary.by_severity[static_cast<std::size_t>(Severity::kLow)] = low;
}

inline void SetByDay(WeeklySummary& summary, const std::vector<std::int64_t>& counts) {
  summary.by_day.clear();
  for (std::size_t i = 0; i < counts.size(); ++i) {
    summary.by_day.emplace_back(summary.window.start.AddDays(static_cast<int>(i)), counts[i]);
  }
}

// The figures of the Ash-Bot v5 fixture week 2026-01-05 .. 2026-01-11.
inline WeeklyReportData FixtureReport() {
  WeeklyReportData report;
  WeeklySummary& week = report.week;
  week.window = kWeek;
  week.total_alerts = 40;
  SetSeverities(week, 3, 9, 17, 11);
  week.acknowledged_count = 26;
  week.unacknowledged_count = 14;
  week.avg_acknowledge_seconds = 9502.0 / 26;  // 365.46...
  week.median_acknowledge_seconds = 143;
  week.p90_acknowledge_seconds = 1258;
  week.min_acknowledge_seconds = 12;
  week.max_acknowledge_seconds = 2000;
  week.avg_ash_contact_seconds = 164.625;
  week.avg_response_seconds = 2126.0 / 3;  // 708.66...
  week.ash_sessions_total = 16;
  week.ash_manual_count = 6;
  week.ash_auto_count = 10;
  week.user_optout_count = 4;
  SetByDay(week, {4, 4, 8, 6, 6, 6, 6});
  week.by_hour[22] = 6;
  week.by_hour[3] = 5;
  week.peak_day = PeakDay{Date::FromYmd(2026, 1, 7), 8};
  week.peak_hour = PeakHour{22, 6};
  week.top_responders = {{398781138319979727ULL, 8},
                         {483551649178725412ULL, 5},
                         {609896068949621439ULL, 5},
                         {598152815766274563ULL, 4},
                         {644753342398737496ULL, 4},
                         {700000000000000001ULL, 1}};

  WeeklySummary& previous = report.previous_week;
  previous.window = kWeek.Previous();
  previous.total_alerts = 2;
  SetSeverities(previous, 0, 1, 0, 1);
  previous.acknowledged_count = 2;
  previous.avg_acknowledge_seconds = 315.0;
  previous.median_acknowledge_seconds = 110;
  previous.p90_acknowledge_seconds = 520;
  previous.avg_response_seconds = 543.0;
  SetByDay(previous, {0, 0, 0, 0, 0, 0, 2});
  previous.peak_day = PeakDay{Date::FromYmd(2026, 1, 4), 2};
  previous.peak_hour = PeakHour{20, 1};
  previous.top_responders = {{398781138319979727ULL, 1}, {609896068949621439ULL, 1}};
  return report;
}

inline WeeklyReportData EmptyReport() {
  WeeklyReportData report;
  report.week.window = kWeek;
  SetByDay(report.week, {0, 0, 0, 0, 0, 0, 0});
  report.previous_week.window = kWeek.Previous();
  SetByDay(report.previous_week, {0, 0, 0, 0, 0, 0, 0});
  return report;
}

}  // namespace ash::testing
