#pragma once

#include <string>
#include <string_view>

#include "domain/civil_time.h"
#include "domain/snowflake.h"

// Redis key names. They follow the original bot's names so both can share
// one database; docs/storage.md describes each key's type and fields.
namespace ash::keys {

inline constexpr std::string_view kAlertPrefix = "ash:metrics:alert:";
inline constexpr std::string_view kLookupPrefix = "ash:metrics:alert_lookup:";
inline constexpr std::string_view kDailyPrefix = "ash:metrics:daily:";
inline constexpr std::string_view kEventIdPrefix = "ash:metrics:event_id:";
inline constexpr std::string_view kCreatedIndex = "ash:metrics:index:created";
inline constexpr std::string_view kEventStream = "ash:metrics:events";
inline constexpr std::string_view kDeadLetterStream = "ash:metrics:events:dead";
inline constexpr std::string_view kStreamGroup = "ash-metrics";
inline constexpr std::string_view kWeeklyReportPrefix = "ash:reports:weekly:";

inline std::string Alert(std::string_view alert_id) { return std::string(kAlertPrefix) + std::string(alert_id); }
inline std::string Lookup(Snowflake message_id) { return std::string(kLookupPrefix) + FormatSnowflake(message_id); }
inline std::string Daily(Date date) { return std::string(kDailyPrefix) + FormatIsoDate(date); }
inline std::string EventId(std::string_view event_id) {
  return std::string(kEventIdPrefix) + std::string(event_id);
}
inline std::string WeeklyReport(Date end_date) { return std::string(kWeeklyReportPrefix) + FormatIsoDate(end_date); }

}  // namespace ash::keys
