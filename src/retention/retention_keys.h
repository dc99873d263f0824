#pragma once

#include <string>
#include <string_view>

namespace ash::retention_keys {

// Key names and SCAN patterns that retention and erasure touch. Nothing
// outside these patterns is ever changed.
inline constexpr std::string_view kAlertPrefix = "ash:metrics:alert:";
inline constexpr std::string_view kAlertLookupPrefix = "ash:metrics:alert_lookup:";
inline constexpr std::string_view kCreatedIndex = "ash:metrics:index:created";
inline constexpr std::string_view kDailyPrefix = "ash:metrics:daily:";
inline constexpr std::string_view kHistoryPrefix = "ash:history:";
inline constexpr std::string_view kOptOutPrefix = "ash:optout:";
inline constexpr std::string_view kSessionMetaPrefix = "ash:session:meta:";
inline constexpr std::string_view kSessionNotesPrefix = "ash:session:notes:";
inline constexpr std::string_view kFollowupScheduledPrefix = "ash:followup:scheduled:";
inline constexpr std::string_view kFollowupPendingPrefix = "ash:followup:pending:";
inline constexpr std::string_view kFollowupLastPrefix = "ash:followup:last:";
inline constexpr std::string_view kPendingAlertPrefix = "ash:pending_alert:";
inline constexpr std::string_view kDeadLetterStream = "ash:metrics:events:dead";

// Retention's own keys.
inline constexpr std::string_view kLastRun = "ash:retention:last_run";            // JSON report
inline constexpr std::string_view kLastRunDate = "ash:retention:last_run_date";   // YYYY-MM-DD
inline constexpr std::string_view kLock = "ash:retention:lock";

inline std::string Join(std::string_view prefix, std::string_view rest) {
  std::string key(prefix);
  key += rest;
  return key;
}

}  // namespace ash::retention_keys
