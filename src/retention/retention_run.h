#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "domain/clock.h"
#include "retention/retention_report.h"
#include "retention/retention_settings.h"
#include "storage/redis_connection.h"

namespace ash {

struct RetentionRunOptions {
  bool dry_run = false;
  // Called after each batch of each category with the category's name. The
  // scheduler renews its lock here; tests inject faults. May throw
  // RedisIoError, which ends the run like a lost connection.
  std::function<void(std::string_view category)> after_batch;
};

// Runs every retention category once, limits counted back from now.
// A lost connection (RedisIoError) is caught: it ends the run, and the
// report keeps the error and what was removed until then. Every step is
// idempotent, so the next run finishes the job. A real run (not a dry run)
// that completes stores its report under ash:retention:last_run.
RetentionReport RunRetention(RedisConnection& connection, const RetentionSettings& settings, EpochMs now,
                             bool dry_run);
RetentionReport RunRetention(RedisConnection& connection, const RetentionSettings& settings, EpochMs now,
                             const RetentionRunOptions& options);

// Stores report under ash:retention:last_run for /health and storage stats.
// Throws RedisIoError.
void SaveRetentionReport(RedisConnection& connection, const RetentionReport& report);

// The report stored by the last real run, or nullopt when there is none.
// Throws RedisIoError.
std::optional<RetentionReport> ReadLastRetentionReport(RedisConnection& connection);

}  // namespace ash
