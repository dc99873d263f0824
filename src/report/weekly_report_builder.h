#pragma once

#include "domain/weekly_summary.h"
#include "storage/redis_connection.h"

namespace ash {

// Computes a week and the week before it from Redis. A week that starts
// inside the alert retention is computed from the alert records (exact
// medians and percentiles); an older one from the daily aggregates.
// Throws RedisIoError when Redis is unreachable.
WeeklyReportData BuildWeeklyReport(RedisConnection& connection, WeekWindow window, EpochMs now,
                                   int alert_retention_days);

}  // namespace ash
