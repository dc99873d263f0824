#include "report/report_render.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "domain/civil_time.h"
#include "domain/daily_aggregate.h"
#include "domain/format.h"
#include "domain/severity.h"
#include "domain/snowflake.h"

namespace ash {
namespace {

// ---------------------------------------------------------------------------
// Wording shared by the text report and the Discord message.

std::int64_t SeverityCount(const WeeklySummary& summary, Severity severity) {
  return summary.by_severity[static_cast<std::size_t>(severity)];
}

std::string Plural(std::int64_t count, std::string_view singular, std::string_view plural) {
  return std::to_string(count) + " " + std::string(count == 1 ? singular : plural);
}

std::string DateRange(const WeekWindow& window) {
  return FormatLongDate(window.start) + " - " + FormatLongDate(window.end);
}

std::string MeanText(const std::optional<double>& seconds) {
  return seconds ? FormatDuration(*seconds) : "no data";
}

std::string PeakDayText(const WeeklySummary& summary) {
  if (!summary.peak_day) {
    return "none";
  }
  return std::string(WeekdayName(summary.peak_day->date)) + " (" +
         Plural(summary.peak_day->count, "alert", "alerts") + ")";
}

std::string PeakHourText(const WeeklySummary& summary) {
  return summary.peak_hour ? FormatHourRange(summary.peak_hour->hour) : "none";
}

std::string TotalAlertsSuffix(const WeeklyReportData& report) {
  return " (previous week: " + std::to_string(report.previous_week.total_alerts) + ")";
}

std::string PercentileNote() {
  return fmt::format("Median and 90th percentile estimated from daily totals, within {:g}%.",
                     kHistogramRelativeError * 100);
}

// "1. <@398781138319979727> - 8 acknowledgments" for the first `limit`
// responders.
std::vector<std::string> ResponderLines(const WeeklySummary& summary, std::size_t limit) {
  std::vector<std::string> lines;
  const std::size_t listed = std::min(limit, summary.top_responders.size());
  for (std::size_t i = 0; i < listed; ++i) {
    const ResponderCount& responder = summary.top_responders[i];
    lines.push_back(std::to_string(i + 1) + ". <@" + FormatSnowflake(responder.user_id) + "> - " +
                    Plural(responder.acknowledgments, "acknowledgment", "acknowledgments"));
  }
  return lines;
}

constexpr std::string_view kNoAcknowledgments = "No acknowledgments this week.";

// Label and value of each response-time line. The means are always listed,
// but medians and percentiles only when they have data.
std::vector<std::pair<std::string, std::string>> ResponseTimeRows(const WeeklySummary& summary) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("Avg. Time to Acknowledge:", MeanText(summary.avg_acknowledge_seconds));
  if (summary.median_acknowledge_seconds) {
    rows.emplace_back("Median Time to Acknowledge:",
                      FormatDuration(static_cast<double>(*summary.median_acknowledge_seconds)));
  }
  if (summary.p90_acknowledge_seconds) {
    rows.emplace_back("90th Pct. Time to Ack.:",
                      FormatDuration(static_cast<double>(*summary.p90_acknowledge_seconds)));
  }
  rows.emplace_back("Avg. Time to Ash Contact:", MeanText(summary.avg_ash_contact_seconds));
  rows.emplace_back("Avg. Time to Human Response:", MeanText(summary.avg_response_seconds));
  rows.emplace_back("Avg. Time to Resolve:", MeanText(summary.avg_resolve_seconds));
  if (summary.median_resolve_seconds) {
    rows.emplace_back("Median Time to Resolve:",
                      FormatDuration(static_cast<double>(*summary.median_resolve_seconds)));
  }
  if (summary.p90_resolve_seconds) {
    rows.emplace_back("90th Pct. Time to Resolve:",
                      FormatDuration(static_cast<double>(*summary.p90_resolve_seconds)));
  }
  return rows;
}

bool HasEstimatedPercentiles(const WeeklySummary& summary) {
  return summary.source == SummarySource::kAggregates && summary.median_acknowledge_seconds;
}

// ---------------------------------------------------------------------------
// JSON

template <typename Json, typename T>
Json OptionalToJson(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

template <typename Json>
Json BuildSummaryJson(const WeeklySummary& summary) {
  Json json = Json::object();
  json["start_date"] = FormatIsoDate(summary.window.start);
  json["end_date"] = FormatIsoDate(summary.window.end);
  json["total_alerts"] = summary.total_alerts;

  Json by_severity = Json::object();
  for (Severity severity : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kLow}) {
    by_severity[std::string(SeverityName(severity))] = SeverityCount(summary, severity);
  }
  json["by_severity"] = std::move(by_severity);

  json["acknowledged_count"] = summary.acknowledged_count;
  json["unacknowledged_count"] = summary.unacknowledged_count;
  json["avg_acknowledge_seconds"] = OptionalToJson<Json>(summary.avg_acknowledge_seconds);
  json["median_acknowledge_seconds"] = OptionalToJson<Json>(summary.median_acknowledge_seconds);
  json["p90_acknowledge_seconds"] = OptionalToJson<Json>(summary.p90_acknowledge_seconds);
  json["avg_ash_contact_seconds"] = OptionalToJson<Json>(summary.avg_ash_contact_seconds);
  json["avg_response_seconds"] = OptionalToJson<Json>(summary.avg_response_seconds);
  json["avg_resolve_seconds"] = OptionalToJson<Json>(summary.avg_resolve_seconds);
  json["ash_sessions_total"] = summary.ash_sessions_total;
  json["ash_manual_count"] = summary.ash_manual_count;
  json["ash_auto_count"] = summary.ash_auto_count;
  json["user_optout_count"] = summary.user_optout_count;

  Json by_day = Json::object();
  for (const auto& [date, count] : summary.by_day) {
    by_day[FormatIsoDate(date)] = count;
  }
  json["by_day"] = std::move(by_day);

  if (summary.peak_day) {
    Json peak_day = Json::object();
    peak_day["date"] = FormatIsoDate(summary.peak_day->date);
    peak_day["weekday"] = std::string(WeekdayName(summary.peak_day->date));
    peak_day["count"] = summary.peak_day->count;
    json["peak_day"] = std::move(peak_day);
  } else {
    json["peak_day"] = nullptr;
  }
  if (summary.peak_hour) {
    Json peak_hour = Json::object();
    peak_hour["hour"] = summary.peak_hour->hour;
    peak_hour["count"] = summary.peak_hour->count;
    json["peak_hour"] = std::move(peak_hour);
  } else {
    json["peak_hour"] = nullptr;
  }

  Json responders = Json::array();
  const std::size_t listed = std::min(kJsonResponderLimit, summary.top_responders.size());
  for (std::size_t i = 0; i < listed; ++i) {
    Json responder = Json::object();
    responder["user_id"] = FormatSnowflake(summary.top_responders[i].user_id);
    responder["acknowledgments"] = summary.top_responders[i].acknowledgments;
    responders.push_back(std::move(responder));
  }
  json["top_responders"] = std::move(responders);

  // Figures beyond the v5 summary.
  const bool from_aggregates = summary.source == SummarySource::kAggregates;
  json["source"] = from_aggregates ? "aggregates" : "records";
  json["percentile_relative_error"] =
      from_aggregates ? Json(kHistogramRelativeError) : Json(nullptr);
  json["min_acknowledge_seconds"] = OptionalToJson<Json>(summary.min_acknowledge_seconds);
  json["max_acknowledge_seconds"] = OptionalToJson<Json>(summary.max_acknowledge_seconds);
  json["median_resolve_seconds"] = OptionalToJson<Json>(summary.median_resolve_seconds);
  json["p90_resolve_seconds"] = OptionalToJson<Json>(summary.p90_resolve_seconds);
  Json by_hour = Json::array();
  for (std::int64_t count : summary.by_hour) {
    by_hour.push_back(count);
  }
  json["by_hour"] = std::move(by_hour);
  return json;
}

// Changes from the previous week to this one: null where either week has no
// data, and a percentage only when the previous week had alerts.
template <typename Json>
Json BuildWeekOverWeekJson(const WeeklySummary& week, const WeeklySummary& previous) {
  Json json = Json::object();
  json["total_alerts_change"] = week.total_alerts - previous.total_alerts;
  if (previous.total_alerts > 0) {
    json["total_alerts_change_percent"] =
        100.0 * static_cast<double>(week.total_alerts - previous.total_alerts) /
        static_cast<double>(previous.total_alerts);
  } else {
    json["total_alerts_change_percent"] = nullptr;
  }
  json["acknowledged_count_change"] = week.acknowledged_count - previous.acknowledged_count;
  if (week.avg_acknowledge_seconds && previous.avg_acknowledge_seconds) {
    json["avg_acknowledge_seconds_change"] =
        *week.avg_acknowledge_seconds - *previous.avg_acknowledge_seconds;
  } else {
    json["avg_acknowledge_seconds_change"] = nullptr;
  }
  return json;
}

template <typename Json>
Json BuildReportJson(const WeeklyReportData& report) {
  Json json = BuildSummaryJson<Json>(report.week);
  json["previous_week"] = BuildSummaryJson<Json>(report.previous_week);
  json["week_over_week"] = BuildWeekOverWeekJson<Json>(report.week, report.previous_week);
  return json;
}

// ---------------------------------------------------------------------------
// Text report

// Line lengths of the layout the CRT already uses, in characters.
constexpr int kBannerLength = 59;
constexpr int kRuleLength = 60;
// Display widths of the aligned lines: where right-aligned numbers end, and
// how many columns precede left-aligned values. A terminal shows the
// colored-circle emoji two columns wide.
constexpr int kAlertSummaryEndColumn = 25;
constexpr int kSessionsEndColumn = 31;
constexpr int kSessionPartsEndColumn = 30;
constexpr int kResponseValueIndent = 29;
constexpr int kBusiestValueIndent = 13;

std::string Repeat(std::string_view piece, int times) {
  std::string result;
  for (int i = 0; i < times; ++i) {
    result += piece;
  }
  return result;
}

// Width in terminal columns: one per code point, two for U+1F000..U+1FFFF,
// where the emoji of the aligned labels lie. Other wide characters count as
// one column, so labels must not use them.
int DisplayWidth(std::string_view utf8) {
  int width = 0;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    if ((byte & 0xC0) == 0x80) {
      continue;  // continuation byte
    }
    width += 1;
    if (byte >= 0xF0 && i + 1 < utf8.size()) {
      const auto second = static_cast<unsigned char>(utf8[i + 1]);
      // U+1F000..U+1FFFF is F0 9F 80 80 .. F0 9F BF BF.
      if (byte == 0xF0 && second == 0x9F) {
        width += 1;
      }
    }
  }
  return width;
}

std::string Spaces(int count) { return std::string(static_cast<std::size_t>(std::max(count, 1)), ' '); }

// The label, then the number right-aligned to end at end_column (at least
// one space between them).
std::string RightAligned(std::string_view label, std::int64_t number, int end_column) {
  const std::string digits = std::to_string(number);
  const int padding = end_column - DisplayWidth(label) - static_cast<int>(digits.size());
  return std::string(label) + Spaces(padding) + digits;
}

// The label padded to `indent` columns, then the value (at least one space
// between them).
std::string LeftAligned(std::string_view label, std::string_view value, int indent) {
  return std::string(label) + Spaces(indent - DisplayWidth(label)) + std::string(value);
}

class TextBuilder {
 public:
  void Line(std::string_view text) {
    text_ += text;
    text_ += '\n';
  }
  void Blank() { text_ += '\n'; }
  void Banner() { Line(Repeat("═", kBannerLength)); }
  void Section(std::string_view header) {
    Line(header);
    Line(Repeat("─", kRuleLength));
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

void AppendAlertSummary(const WeeklyReportData& report, TextBuilder& out) {
  const WeeklySummary& week = report.week;
  out.Section("📈 **ALERT SUMMARY**");
  out.Line(RightAligned("Total Alerts:", week.total_alerts, kAlertSummaryEndColumn) +
           TotalAlertsSuffix(report));
  out.Line(RightAligned("├─ 🔴 Critical:", SeverityCount(week, Severity::kCritical),
                        kAlertSummaryEndColumn));
  out.Line(RightAligned("├─ 🟠 High:", SeverityCount(week, Severity::kHigh), kAlertSummaryEndColumn));
  out.Line(RightAligned("├─ 🟡 Medium:", SeverityCount(week, Severity::kMedium),
                        kAlertSummaryEndColumn));
  out.Line(RightAligned("└─ 🟢 Low:", SeverityCount(week, Severity::kLow), kAlertSummaryEndColumn));
  out.Line(RightAligned("Acknowledged:", week.acknowledged_count, kAlertSummaryEndColumn));
  out.Line(RightAligned("Unacknowledged:", week.unacknowledged_count, kAlertSummaryEndColumn));
}

void AppendResponseTimes(const WeeklySummary& week, TextBuilder& out) {
  out.Section("⏱️ **RESPONSE TIMES**");
  for (const auto& [label, value] : ResponseTimeRows(week)) {
    out.Line(LeftAligned(label, value, kResponseValueIndent));
  }
  if (HasEstimatedPercentiles(week)) {
    out.Line(PercentileNote());
  }
}

void AppendAshEngagement(const WeeklySummary& week, TextBuilder& out) {
  out.Section("🤖 **ASH ENGAGEMENT**");
  out.Line(RightAligned("Ash Sessions Started:", week.ash_sessions_total, kSessionsEndColumn));
  out.Line(RightAligned("├─ Manual (button):", week.ash_manual_count, kSessionPartsEndColumn));
  out.Line(RightAligned("├─ Auto-initiated:", week.ash_auto_count, kSessionPartsEndColumn));
  out.Line(RightAligned("└─ User Opted Out:", week.user_optout_count, kSessionPartsEndColumn));
}

void AppendBusiestTimes(const WeeklySummary& week, TextBuilder& out) {
  out.Section("📅 **BUSIEST TIMES**");
  out.Line(LeftAligned("Peak Day:", PeakDayText(week), kBusiestValueIndent));
  out.Line(LeftAligned("Peak Hour:", PeakHourText(week), kBusiestValueIndent));
}

void AppendResponders(const WeeklySummary& week, TextBuilder& out) {
  out.Section("🏆 **CRT RESPONDERS**");
  const std::vector<std::string> lines = ResponderLines(week, kTextResponderLimit);
  if (lines.empty()) {
    out.Line(kNoAcknowledgments);
  }
  for (const std::string& line : lines) {
    out.Line(line);
  }
}

// ---------------------------------------------------------------------------
// Discord message: text limits

constexpr std::string_view kEllipsis = "…";  // one UTF-16 code unit
constexpr char32_t kReplacementCharacter = 0xFFFD;

// One decoded code point and the bytes it took; invalid or truncated
// sequences, overlong forms and surrogates decode as U+FFFD over one byte.
struct CodePoint {
  char32_t value;
  std::size_t length;
};

CodePoint DecodeUtf8(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) {
    return {lead, 1};
  }
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return {kReplacementCharacter, 1};
  }
  if (at + length > text.size()) {
    return {kReplacementCharacter, 1};
  }
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[at + i]);
    if ((byte & 0xC0) != 0x80) {
      return {kReplacementCharacter, 1};
    }
    value = (value << 6) | (byte & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return {kReplacementCharacter, 1};
  }
  return {value, length};
}

void AppendUtf8(char32_t value, std::string& out) {
  if (value < 0x80) {
    out += static_cast<char>(value);
  } else if (value < 0x800) {
    out += static_cast<char>(0xC0 | (value >> 6));
    out += static_cast<char>(0x80 | (value & 0x3F));
  } else if (value < 0x10000) {
    out += static_cast<char>(0xE0 | (value >> 12));
    out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (value & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (value >> 18));
    out += static_cast<char>(0x80 | ((value >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((value >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (value & 0x3F));
  }
}

std::size_t Utf16Units(char32_t value) { return value >= 0x10000 ? 2 : 1; }

// The text as valid UTF-8, each invalid byte replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const CodePoint point = DecodeUtf8(text, at);
    if (point.value == kReplacementCharacter && point.length == 1) {
      AppendUtf8(kReplacementCharacter, result);
    } else {
      result.append(text.substr(at, point.length));
    }
    at += point.length;
  }
  return result;
}

// Length in UTF-16 code units of valid UTF-8 text.
std::size_t Utf16Length(std::string_view text) {
  std::size_t units = 0;
  for (std::size_t at = 0; at < text.size();) {
    const CodePoint point = DecodeUtf8(text, at);
    units += Utf16Units(point.value);
    at += point.length;
  }
  return units;
}

// Cuts valid UTF-8 text to at most `limit` UTF-16 code units (limit >= 1),
// ending in "…" when cut. The cut falls between code points, and at a line
// break when one lies in the second half of the kept text.
std::string Truncate(std::string_view text, std::size_t limit) {
  if (Utf16Length(text) <= limit) {
    return std::string(text);
  }
  const std::size_t budget = limit - 1;  // room for the ellipsis
  std::size_t units = 0;
  std::size_t end = 0;
  while (end < text.size()) {
    const CodePoint point = DecodeUtf8(text, end);
    if (units + Utf16Units(point.value) > budget) {
      break;
    }
    units += Utf16Units(point.value);
    end += point.length;
  }
  const std::size_t line_break = text.substr(0, end).rfind('\n');
  if (line_break != std::string_view::npos && line_break > 0 && line_break >= end / 2) {
    end = line_break;
  }
  return std::string(text.substr(0, end)) + std::string(kEllipsis);
}

// The embed's text parts in the order they give up room when the embed is
// over kDiscordEmbedTotalLimit. The footer comes first because a long
// community name is the likely cause. Then come the description, the field
// values from the last field up, the field names, the author name and the
// title.
std::vector<nlohmann::json*> ShrinkOrder(nlohmann::json& embed) {
  std::vector<nlohmann::json*> parts;
  auto add = [&parts](nlohmann::json* node) {
    if (node != nullptr && node->is_string()) {
      parts.push_back(node);
    }
  };
  auto member = [](nlohmann::json& object, const char* key) -> nlohmann::json* {
    if (!object.is_object()) {
      return nullptr;
    }
    auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
  };

  if (nlohmann::json* footer = member(embed, "footer")) {
    add(member(*footer, "text"));
  }
  add(member(embed, "description"));
  nlohmann::json* fields = member(embed, "fields");
  if (fields != nullptr && fields->is_array()) {
    for (auto field = fields->rbegin(); field != fields->rend(); ++field) {
      add(member(*field, "value"));
    }
    for (auto field = fields->rbegin(); field != fields->rend(); ++field) {
      add(member(*field, "name"));
    }
  }
  if (nlohmann::json* author = member(embed, "author")) {
    add(member(*author, "name"));
  }
  add(member(embed, "title"));
  return parts;
}

std::size_t TotalLength(const std::vector<nlohmann::json*>& parts) {
  std::size_t total = 0;
  for (const nlohmann::json* part : parts) {
    total += Utf16Length(part->get_ref<const std::string&>());
  }
  return total;
}

void FitString(nlohmann::json* node, std::size_t limit) {
  if (node != nullptr && node->is_string()) {
    *node = Truncate(SanitizeUtf8(node->get_ref<const std::string&>()), limit);
  }
}

// ---------------------------------------------------------------------------
// Discord message: content

// Embed colors by the most severe alert of the week.
constexpr int kColorCritical = 0xE74C3C;
constexpr int kColorHigh = 0xE67E22;
constexpr int kColorMedium = 0xF1C40F;
constexpr int kColorLow = 0x2ECC71;
constexpr int kColorNoAlerts = 0x95A5A6;

int EmbedColor(const WeeklySummary& week) {
  if (SeverityCount(week, Severity::kCritical) > 0) return kColorCritical;
  if (SeverityCount(week, Severity::kHigh) > 0) return kColorHigh;
  if (SeverityCount(week, Severity::kMedium) > 0) return kColorMedium;
  if (SeverityCount(week, Severity::kLow) > 0) return kColorLow;
  return kColorNoAlerts;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string result;
  for (const std::string& line : lines) {
    if (!result.empty()) {
      result += '\n';
    }
    result += line;
  }
  return result;
}

std::string Count(std::string_view label, std::int64_t count) {
  return std::string(label) + " " + std::to_string(count);
}

nlohmann::json Field(std::string name, std::string value) {
  return {{"name", std::move(name)}, {"value", std::move(value)}, {"inline", false}};
}

nlohmann::json BuildFields(const WeeklyReportData& report) {
  const WeeklySummary& week = report.week;
  nlohmann::json fields = nlohmann::json::array();
  fields.push_back(
      Field("📈 Alert Summary",
            JoinLines({Count("Total Alerts:", week.total_alerts) + TotalAlertsSuffix(report),
                       Count("🔴 Critical:", SeverityCount(week, Severity::kCritical)),
                       Count("🟠 High:", SeverityCount(week, Severity::kHigh)),
                       Count("🟡 Medium:", SeverityCount(week, Severity::kMedium)),
                       Count("🟢 Low:", SeverityCount(week, Severity::kLow)),
                       Count("Acknowledged:", week.acknowledged_count),
                       Count("Unacknowledged:", week.unacknowledged_count)})));

  std::vector<std::string> response_lines;
  for (const auto& [label, value] : ResponseTimeRows(week)) {
    response_lines.push_back(label + " " + value);
  }
  if (HasEstimatedPercentiles(week)) {
    response_lines.push_back(PercentileNote());
  }
  fields.push_back(Field("⏱️ Response Times", JoinLines(response_lines)));

  fields.push_back(Field("🤖 Ash Engagement",
                         JoinLines({Count("Ash Sessions Started:", week.ash_sessions_total),
                                    Count("Manual (button):", week.ash_manual_count),
                                    Count("Auto-initiated:", week.ash_auto_count),
                                    Count("User Opted Out:", week.user_optout_count)})));
  fields.push_back(Field("📅 Busiest Times", JoinLines({"Peak Day: " + PeakDayText(week),
                                                       "Peak Hour: " + PeakHourText(week)})));

  const std::vector<std::string> responders = ResponderLines(week, kTextResponderLimit);
  fields.push_back(Field("🏆 CRT Responders", responders.empty() ? std::string(kNoAcknowledgments)
                                                                : JoinLines(responders)));
  return fields;
}

}  // namespace

nlohmann::json SummaryToJson(const WeeklySummary& summary) {
  return BuildSummaryJson<nlohmann::json>(summary);
}

nlohmann::ordered_json SummaryToOrderedJson(const WeeklySummary& summary) {
  return BuildSummaryJson<nlohmann::ordered_json>(summary);
}

nlohmann::json ReportToJson(const WeeklyReportData& report) {
  return BuildReportJson<nlohmann::json>(report);
}

nlohmann::ordered_json ReportToOrderedJson(const WeeklyReportData& report) {
  return BuildReportJson<nlohmann::ordered_json>(report);
}

std::string RenderTextReport(const WeeklyReportData& report, const ReportStyle& style) {
  TextBuilder out;
  out.Banner();
  out.Line("📊 **Weekly Crisis Response Report**");
  out.Line("Week of " + DateRange(report.week.window));
  out.Banner();
  out.Blank();
  AppendAlertSummary(report, out);
  out.Blank();
  AppendResponseTimes(report.week, out);
  out.Blank();
  AppendAshEngagement(report.week, out);
  out.Blank();
  AppendBusiestTimes(report.week, out);
  out.Blank();
  AppendResponders(report.week, out);
  out.Blank();
  out.Banner();
  out.Line("Generated by " + style.product_name + " | " + style.community_name);
  out.Banner();
  return out.Take();
}

void FitDiscordEmbedLimits(nlohmann::json& embed) {
  if (!embed.is_object()) {
    return;
  }

  // Per-part limits first.
  FitString(embed.contains("title") ? &embed["title"] : nullptr, kDiscordTitleLimit);
  FitString(embed.contains("description") ? &embed["description"] : nullptr,
            kDiscordDescriptionLimit);
  if (embed.contains("footer") && embed["footer"].is_object() && embed["footer"].contains("text")) {
    FitString(&embed["footer"]["text"], kDiscordFooterLimit);
  }
  if (embed.contains("author") && embed["author"].is_object() && embed["author"].contains("name")) {
    FitString(&embed["author"]["name"], kDiscordTitleLimit);
  }
  if (embed.contains("fields") && embed["fields"].is_array()) {
    nlohmann::json& fields = embed["fields"];
    if (fields.size() > kDiscordFieldCountLimit) {
      fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(kDiscordFieldCountLimit), fields.end());
    }
    for (nlohmann::json& field : fields) {
      if (field.is_object()) {
        FitString(field.contains("name") ? &field["name"] : nullptr, kDiscordFieldNameLimit);
        FitString(field.contains("value") ? &field["value"] : nullptr, kDiscordFieldValueLimit);
      }
    }
  }

  // Then the total: each part in turn gives up the excess, keeping at least
  // one character. At most 25 fields, so 2 * 25 + 4 parts of one character
  // are far below the limit and the loop always ends within it.
  const std::vector<nlohmann::json*> parts = ShrinkOrder(embed);
  for (nlohmann::json* part : parts) {
    const std::size_t total = TotalLength(parts);
    if (total <= kDiscordEmbedTotalLimit) {
      break;
    }
    const std::size_t length = Utf16Length(part->get_ref<const std::string&>());
    const std::size_t excess = total - kDiscordEmbedTotalLimit;
    if (length > 1) {
      *part = Truncate(part->get_ref<const std::string&>(), length > excess + 1 ? length - excess : 1);
    }
  }
}

nlohmann::json BuildDiscordMessage(const WeeklyReportData& report, const ReportStyle& style,
                                   EpochMs generated_at) {
  nlohmann::json embed = {
      {"title", "📊 Weekly Crisis Response Report"},
      {"description", "Week of " + DateRange(report.week.window)},
      {"color", EmbedColor(report.week)},
      {"timestamp", FormatRfc3339(generated_at)},
      {"fields", BuildFields(report)},
      {"footer", {{"text", "Generated by " + style.product_name + " | " + style.community_name}}},
  };
  FitDiscordEmbedLimits(embed);

  const std::string content =
      Truncate(SanitizeUtf8("Weekly Crisis Response Report for " + style.community_name + ", " +
                            DateRange(report.week.window)),
               kDiscordContentLimit);
  return {
      {"content", content},
      {"embeds", nlohmann::json::array({std::move(embed)})},
      {"allowed_mentions", {{"parse", nlohmann::json::array()}}},
  };
}

}  // namespace ash
