#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/weekly_summary.h"

namespace ash {

struct ReportStyle {
  std::string community_name = "The Alphabet Cartel";
  std::string product_name = "Ash Metrics";
};

inline constexpr std::size_t kJsonResponderLimit = 10;
inline constexpr std::size_t kTextResponderLimit = 5;

// The summary with the field names of the report's JSON form (see
// docs/storage.md): ids as decimal strings, dates as YYYY-MM-DD, null where
// a figure has no data. Includes "previous_week" when given one.
nlohmann::json SummaryToJson(const WeeklySummary& summary);
nlohmann::json ReportToJson(const WeeklyReportData& report);

// The plain-text report in the layout the CRT knows, ending with a newline.
std::string RenderTextReport(const WeeklyReportData& report, const ReportStyle& style);

// The Discord message body (content and one embed) for POST
// /channels/{id}/messages or a webhook, within Discord's limits (embed
// description 4096, all embed text 6000 characters, 25 fields).
nlohmann::json BuildDiscordMessage(const WeeklyReportData& report, const ReportStyle& style,
                                   EpochMs generated_at);

}  // namespace ash
