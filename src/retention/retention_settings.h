#pragma once

#include <optional>
#include <string>

namespace ash {

// The data retention policy. Each limit counts whole days back from the
// time of the run; the config code maps the BOT_RETENTION_* variables here.
struct RetentionSettings {
  bool enabled = true;            // the daily schedule; on-demand runs ignore it
  int alert_metrics_days = 90;    // 1..365: alert records, lookups, index entries
  int aggregates_days = 365;      // 30..730: daily aggregates, by the date in the key
  int message_history_days = 7;   // 1..30: entries of ash:history:* by score
  int session_data_days = 30;     // 7..90: ash:session:meta/notes
  int cleanup_hour = 3;           // 0..23, UTC
  int batch_size = 500;           // 10..10000: SCAN COUNT and keys per pipeline
};

// Returns an error naming the first setting out of its range, its value and
// the allowed range, or nullopt when every setting is valid.
std::optional<std::string> ValidateRetentionSettings(const RetentionSettings& settings);

}  // namespace ash
