#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/weekly_summary.h"

namespace ash {

// What the text report and the Discord message print around the figures.
struct ReportStyle {
  std::string community_name = "The Alphabet Cartel";
  std::string product_name = "Ash Metrics";
};

inline constexpr std::size_t kJsonResponderLimit = 10;
inline constexpr std::size_t kTextResponderLimit = 5;

// Discord's message and embed limits in characters, as the client libraries
// twilight-http (counting code points) and @sapphire/discord-utilities list
// them.
inline constexpr std::size_t kDiscordContentLimit = 2000;
inline constexpr std::size_t kDiscordTitleLimit = 256;
inline constexpr std::size_t kDiscordDescriptionLimit = 4096;
inline constexpr std::size_t kDiscordFieldNameLimit = 256;
inline constexpr std::size_t kDiscordFieldValueLimit = 1024;
inline constexpr std::size_t kDiscordFooterLimit = 2048;
inline constexpr std::size_t kDiscordFieldCountLimit = 25;
inline constexpr std::size_t kDiscordEmbedTotalLimit = 6000;

// The summary as JSON: start_date, end_date, total_alerts, by_severity,
// acknowledged_count, unacknowledged_count, the avg_/median_/p90_ seconds,
// ash_*, user_optout_count, by_day, peak_day, peak_hour, top_responders
// (the first kJsonResponderLimit), then source, percentile_relative_error,
// min_/max_acknowledge_seconds, median_/p90_resolve_seconds and by_hour.
// Ids are decimal strings, dates YYYY-MM-DD, and null marks a figure without
// data. nlohmann::json sorts the keys; the ordered forms keep this order.
nlohmann::json SummaryToJson(const WeeklySummary& summary);
nlohmann::ordered_json SummaryToOrderedJson(const WeeklySummary& summary);

// The week's summary plus "previous_week" (the same object for the week
// before) and "week_over_week" (changes of the main figures).
nlohmann::json ReportToJson(const WeeklyReportData& report);
nlohmann::ordered_json ReportToOrderedJson(const WeeklyReportData& report);

// The plain-text report in the layout the CRT knows, ending with a newline.
// Responders are Discord mentions (<@id>), the first kTextResponderLimit.
std::string RenderTextReport(const WeeklyReportData& report, const ReportStyle& style);

// The Discord create-message body: content, one embed (title, description,
// color, timestamp, fields, footer) and allowed_mentions that ping nobody.
// Every text stays within the kDiscord* limits, counted in UTF-16 code
// units (never fewer than code points, so either count passes); cut text
// ends in "…" and is never split inside a UTF-8 sequence. Invalid UTF-8 in
// the style is replaced by U+FFFD. The color is that of the most severe
// alert of the week (critical red, high orange, medium yellow, low green),
// grey for a week without alerts.
nlohmann::json BuildDiscordMessage(const WeeklyReportData& report, const ReportStyle& style,
                                   EpochMs generated_at);

// Cuts a Discord embed object's texts (title, description, field names and
// values, footer.text, author.name) to the kDiscord* limits, as
// BuildDiscordMessage does: first each part to its own limit, then the
// footer, description, field values, field names, author name and title in
// that order until the total fits. Fields past the 25th are dropped.
void FitDiscordEmbedLimits(nlohmann::json& embed);

}  // namespace ash
