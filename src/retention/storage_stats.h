#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "retention/retention_report.h"
#include "storage/redis_connection.h"

namespace ash {

// Key counts per category and the server's memory use.
struct StorageStats {
  // Category name -> number of keys, every category listed (0 included):
  // alert_records_current, alert_records_v5, alert_lookups, alert_index,
  // daily_aggregates_current, daily_aggregates_v5, message_history, opt_outs,
  // session_meta, session_notes, followups, pending_alerts, event_ids,
  // event_stream, report_markers, retention, other.
  std::map<std::string, std::int64_t> key_counts;
  std::int64_t total_keys = 0;          // DBSIZE
  std::int64_t used_memory_bytes = 0;   // INFO memory: used_memory
  std::string used_memory_human;        // INFO memory: used_memory_human
  std::optional<RetentionReport> last_cleanup;
};

// Counts the keys by name and layout with SCAN (pages of batch_size keys
// and one pipelined TYPE per page for the categories with two layouts).
// Throws RedisIoError.
StorageStats CollectStorageStats(RedisConnection& connection, int batch_size = 500);

nlohmann::json StorageStatsToJson(const StorageStats& stats);
std::string RenderStorageStatsText(const StorageStats& stats);

}  // namespace ash
