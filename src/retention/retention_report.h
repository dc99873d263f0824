#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"

namespace ash {

// The figures of one retention category. In a dry run the counts are what
// a real run would have removed.
struct CategoryReport {
  std::string name;  // "alert_metrics", "daily_aggregates", ...
  int limit_days = 0;           // 0 for opt-outs, which carry their own expiry
  bool completed = false;       // false when the run stopped before or inside it
  std::int64_t keys_scanned = 0;
  std::int64_t keys_removed = 0;     // UNLINKed keys, and history keys left empty
  std::int64_t entries_removed = 0;  // history entries, index entries
  std::int64_t expiries_set = 0;     // keys without an expiry that were given one
  std::int64_t keys_skipped = 0;     // unexpected type or unreadable content: left alone
  std::int64_t duration_ms = 0;
};

// One retention run: every category in a fixed order, and the error that
// stopped the run, if any.
struct RetentionReport {
  EpochMs now = 0;  // the instant the limits were counted from
  bool dry_run = false;
  std::int64_t duration_ms = 0;
  std::vector<CategoryReport> categories;
  std::optional<std::string> error;

  bool ok() const { return !error.has_value(); }
  std::int64_t TotalKeysRemoved() const;
  std::int64_t TotalEntriesRemoved() const;
};

nlohmann::json RetentionToJson(const RetentionReport& report);
// Parses what RetentionToJson wrote; nullopt for anything else.
std::optional<RetentionReport> RetentionFromJson(const nlohmann::json& json);

// A table: one row per category with its figures, then the total, the
// duration and the error.
std::string RenderRetentionText(const RetentionReport& report);

}  // namespace ash
