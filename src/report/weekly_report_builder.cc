#include "report/weekly_report_builder.h"

#include "storage/alert_reader.h"

namespace ash {
namespace {

WeeklySummary SummarizeWeek(RedisConnection& connection, WeekWindow window, EpochMs now, int alert_retention_days) {
  const EpochMs oldest_record_ms = now - static_cast<EpochMs>(alert_retention_days) * kMsPerDay;
  if (window.start.StartMs() >= oldest_record_ms) {
    std::vector<AlertRecord> records =
        ReadAlertsCreatedBetween(connection, window.start.StartMs(), window.end.EndMs());
    return SummarizeRecords(records, window);
  }
  return SummarizeAggregates(ReadDailyAggregates(connection, window.start, window.end), window);
}

}  // namespace

WeeklyReportData BuildWeeklyReport(RedisConnection& connection, WeekWindow window, EpochMs now,
                                   int alert_retention_days) {
  WeeklyReportData report;
  report.week = SummarizeWeek(connection, window, now, alert_retention_days);
  report.previous_week = SummarizeWeek(connection, window.Previous(), now, alert_retention_days);
  return report;
}

}  // namespace ash
