#include "retention/storage_stats.h"

#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "domain/civil_time.h"
#include "retention/key_scan.h"
#include "retention/retention_keys.h"
#include "retention/retention_run.h"

namespace ash {
namespace {

namespace keys = retention_keys;

// Categories named by their key prefix alone. Alert records and daily
// aggregates are split by layout with TYPE.
struct PrefixCategory {
  std::string_view prefix;
  const char* name;
};
constexpr PrefixCategory kPrefixCategories[] = {
    {keys::kAlertLookupPrefix, "alert_lookups"},
    {keys::kHistoryPrefix, "message_history"},
    {keys::kOptOutPrefix, "opt_outs"},
    {keys::kSessionMetaPrefix, "session_meta"},
    {keys::kSessionNotesPrefix, "session_notes"},
    {"ash:followup:", "followups"},
    {keys::kPendingAlertPrefix, "pending_alerts"},
    {"ash:metrics:event_id:", "event_ids"},
    {"ash:reports:weekly:", "report_markers"},
    {"ash:retention:", "retention"},
};

constexpr const char* kAllCategories[] = {
    "alert_records_current", "alert_records_v5", "alert_lookups",  "alert_index",    "daily_aggregates_current",
    "daily_aggregates_v5",   "message_history",  "opt_outs",       "session_meta",   "session_notes",
    "followups",             "pending_alerts",   "event_ids",      "event_stream",   "report_markers",
    "retention",             "other"};

std::int64_t InfoField(const std::string& info, std::string_view field, std::string* text = nullptr) {
  const std::string needle = fmt::format("\n{}:", field);
  size_t start = info.find(needle);
  if (start == std::string::npos) return 0;
  start += needle.size();
  size_t end = info.find_first_of("\r\n", start);
  std::string value = info.substr(start, end - start);
  if (text) *text = value;
  try {
    return std::stoll(value);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

StorageStats CollectStorageStats(RedisConnection& connection, int batch_size) {
  StorageStats stats;
  for (const char* name : kAllCategories) stats.key_counts[name] = 0;

  ScanKeys(connection, "*", batch_size, [&](const std::vector<std::string>& found) {
    std::vector<std::string> layered;  // keys whose category depends on TYPE
    for (const std::string& key : found) {
      if (key.starts_with(keys::kAlertPrefix) || key.starts_with(keys::kDailyPrefix)) {
        layered.push_back(key);
        continue;
      }
      const char* category = "other";
      if (key == keys::kCreatedIndex) {
        category = "alert_index";
      } else if (key == "ash:metrics:events") {
        category = "event_stream";
      } else {
        for (const PrefixCategory& candidate : kPrefixCategories) {
          if (key.starts_with(candidate.prefix)) {
            category = candidate.name;
            break;
          }
        }
      }
      ++stats.key_counts[category];
    }
    if (layered.empty()) return;

    std::vector<RedisCommand> types;
    for (const std::string& key : layered) types.push_back({"TYPE", key});
    std::vector<RedisReply> replies = connection.Pipeline(types);
    for (size_t i = 0; i < layered.size(); ++i) {
      const std::string& type = replies[i].str();
      if (type == "none") continue;  // expired since the SCAN
      const bool alert = layered[i].starts_with(keys::kAlertPrefix);
      std::string category = "other";
      if (type == "hash") category = alert ? "alert_records_current" : "daily_aggregates_current";
      if (type == "zset") category = alert ? "alert_records_v5" : "daily_aggregates_v5";
      ++stats.key_counts[category];
    }
  });

  stats.total_keys = connection.Command({"DBSIZE"}).ExpectOk("DBSIZE").integer();
  const std::string info = "\n" + connection.Command({"INFO", "memory"}).ExpectOk("INFO memory").str();
  stats.used_memory_bytes = InfoField(info, "used_memory");
  InfoField(info, "used_memory_human", &stats.used_memory_human);
  stats.last_cleanup = ReadLastRetentionReport(connection);
  return stats;
}

nlohmann::json StorageStatsToJson(const StorageStats& stats) {
  nlohmann::json last_cleanup = nullptr;
  if (stats.last_cleanup) last_cleanup = RetentionToJson(*stats.last_cleanup);
  return {
      {"key_counts", stats.key_counts},
      {"total_keys", stats.total_keys},
      {"used_memory_bytes", stats.used_memory_bytes},
      {"used_memory_human", stats.used_memory_human},
      {"last_cleanup", last_cleanup},
  };
}

std::string RenderStorageStatsText(const StorageStats& stats) {
  std::string text = "Storage\n\n";
  text += fmt::format("{:<26} {:>10}\n", "category", "keys");
  for (const char* name : kAllCategories) {
    auto it = stats.key_counts.find(name);
    text += fmt::format("{:<26} {:>10}\n", name, it == stats.key_counts.end() ? 0 : it->second);
  }
  text += fmt::format("{:<26} {:>10}\n\n", "total (DBSIZE)", stats.total_keys);
  text += fmt::format("Redis memory used: {} ({} bytes)\n", stats.used_memory_human, stats.used_memory_bytes);
  if (stats.last_cleanup) {
    const RetentionReport& last = *stats.last_cleanup;
    text += fmt::format("Last cleanup: {}, removed {} keys and {} entries in {} ms{}\n", FormatRfc3339(last.now),
                        last.TotalKeysRemoved(), last.TotalEntriesRemoved(), last.duration_ms,
                        last.ok() ? "" : fmt::format(", error: {}", *last.error));
  } else {
    text += "Last cleanup: none recorded\n";
  }
  return text;
}

}  // namespace ash
