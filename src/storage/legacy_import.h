#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "storage/event_store.h"
#include "storage/redis_connection.h"

namespace ash {

struct LegacyImportOptions {
  bool convert = false;  // rewrite into the current layout instead of indexing
  bool dry_run = false;  // count what would change, change nothing
  int batch_size = 500;  // keys per SCAN step
};

// The findings and actions of one import. Running it twice changes nothing the
// second time: every figure but records_found and already_done is then 0.
struct LegacyImportReport {
  bool convert = false;
  bool dry_run = false;
  std::int64_t records_found = 0;   // v5 alert records (sorted sets)
  std::int64_t indexed = 0;         // added to the creation index
  std::int64_t already_done = 0;    // already indexed (index mode)
  std::int64_t converted = 0;       // rewritten as hashes (convert mode)
  std::int64_t expired = 0;         // past the alert retention: deleted (convert mode)
  std::int64_t unreadable = 0;      // malformed v5 JSON: left untouched
  std::int64_t legacy_aggregates_left = 0;  // v5 daily aggregates with no record left to rebuild from
  std::vector<std::string> errors;  // one line per unreadable record
};

// Finds every Ash-Bot v5 alert record (SCAN, in batches) and indexes it so
// reports include it, or converts it (options.convert). Converting rebuilds
// the daily aggregates from the records: each converted record is added to
// its day's aggregate, which replaces the v5 aggregate of that day. Throws
// RedisIoError when Redis is lost.
LegacyImportReport ImportLegacy(RedisConnection& connection, const StoreSettings& settings, EpochMs now,
                                const LegacyImportOptions& options);

std::string RenderLegacyImportText(const LegacyImportReport& report);
nlohmann::json LegacyImportToJson(const LegacyImportReport& report);

}  // namespace ash
