#include "domain/alert_record.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/civil_time.h"
#include "domain/event.h"

namespace ash {
namespace {

using nlohmann::json;

// Each reader returns the error message for its field, or nullopt when the
// value is valid (null and absent count as not set).
using FieldError = std::optional<std::string>;

std::string FieldMessage(std::string_view field, std::string_view rule, const json& value) {
  return fmt::format("{}: {} (got {})", field, rule, DescribeJsonValue(value));
}

const json* FindField(const json& document, std::string_view name) {
  auto it = document.find(name);
  if (it == document.end() || it->is_null()) return nullptr;
  return &*it;
}

FieldError ReadOptionalSnowflake(const json& document, std::string_view field,
                                 std::optional<Snowflake>& out) {
  const json* value = FindField(document, field);
  if (value == nullptr) return std::nullopt;

  auto id = SnowflakeFromJson(*value);
  if (!id.ok()) return fmt::format("{}: {}", field, id.error());
  out = id.value();
  return std::nullopt;
}

FieldError ReadRequiredSnowflake(const json& document, std::string_view field, Snowflake& out) {
  std::optional<Snowflake> id;
  if (auto error = ReadOptionalSnowflake(document, field, id)) return error;
  if (!id) return fmt::format("{}: is required", field);
  out = *id;
  return std::nullopt;
}

FieldError ReadTimestamp(const json& document, std::string_view field,
                         std::optional<EpochMs>& out) {
  const json* value = FindField(document, field);
  if (value == nullptr) return std::nullopt;

  std::optional<EpochMs> ms;
  if (value->is_string()) ms = ParseRfc3339(value->get_ref<const std::string&>());
  if (!ms) {
    return FieldMessage(
        field, "must be an RFC 3339 timestamp such as \"2026-01-07T22:14:03.123456Z\"", *value);
  }
  out = ms;
  return std::nullopt;
}

FieldError ReadDuration(const json& document, std::string_view field,
                        std::optional<std::int64_t>& out) {
  const json* value = FindField(document, field);
  if (value == nullptr) return std::nullopt;

  constexpr std::string_view kRule = "must be a whole number of seconds, 0 or more, or null";
  if (value->is_number_unsigned()) {
    if (value->get<std::uint64_t>() >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return FieldMessage(field, kRule, *value);
    }
    out = static_cast<std::int64_t>(value->get<std::uint64_t>());
    return std::nullopt;
  }
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0) {
    out = value->get<std::int64_t>();
    return std::nullopt;
  }
  return FieldMessage(field, kRule, *value);
}

FieldError ReadFlag(const json& document, std::string_view field, bool& out) {
  const json* value = FindField(document, field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) return FieldMessage(field, "must be true, false or null", *value);
  out = value->get<bool>();
  return std::nullopt;
}

// v5 stores the initiator as a string: a member's id, or "auto".
FieldError ReadAshInitiator(const json& document, std::optional<std::string>& out) {
  const json* value = FindField(document, "ash_initiated_by");
  if (value == nullptr) return std::nullopt;
  if (value->is_string() && value->get_ref<const std::string&>() == "auto") {
    out = "auto";
    return std::nullopt;
  }

  auto id = SnowflakeFromJson(*value);
  if (!id.ok()) {
    return FieldMessage("ash_initiated_by",
                        "must be \"auto\" or a Discord id from 1 to 18446744073709551615", *value);
  }
  out = FormatSnowflake(id.value());
  return std::nullopt;
}

FieldError ReadIdentity(const json& document, AlertRecord& record) {
  const json* alert_id = FindField(document, "alert_id");
  if (alert_id == nullptr) return "alert_id: is required";
  if (!alert_id->is_string()) {
    return FieldMessage("alert_id", "must be a string", *alert_id);
  }
  record.alert_id = alert_id->get<std::string>();
  if (auto reason = CheckAlertId(record.alert_id)) return fmt::format("alert_id: {}", *reason);

  if (auto error = ReadRequiredSnowflake(document, "alert_message_id", record.alert_message_id)) {
    return error;
  }
  if (auto error = ReadOptionalSnowflake(document, "user_id", record.user_id)) return error;
  if (auto error = ReadRequiredSnowflake(document, "channel_id", record.channel_id)) return error;
  return ReadOptionalSnowflake(document, "guild_id", record.guild_id);
}

FieldError ReadClassification(const json& document, AlertRecord& record) {
  const json* severity = FindField(document, "severity");
  if (severity == nullptr) return "severity: is required";
  std::optional<Severity> parsed;
  if (severity->is_string()) parsed = ParseSeverity(severity->get_ref<const std::string&>());
  if (!parsed) {
    return FieldMessage("severity", "must be one of low, medium, high, critical", *severity);
  }
  record.severity = *parsed;

  const json* sensitivity = FindField(document, "channel_sensitivity");
  if (sensitivity == nullptr) return std::nullopt;
  if (!sensitivity->is_number() || !std::isfinite(sensitivity->get<double>())) {
    return FieldMessage("channel_sensitivity", "must be a number or null", *sensitivity);
  }
  record.channel_sensitivity = sensitivity->get<double>();
  return std::nullopt;
}

FieldError ReadLifecycle(const json& document, AlertRecord& record) {
  std::optional<EpochMs> created_at;
  if (auto error = ReadTimestamp(document, "alert_created_at", created_at)) return error;
  if (!created_at) return "alert_created_at: is required";
  record.created_at = *created_at;

  if (auto error = ReadTimestamp(document, "acknowledged_at", record.acknowledged_at)) return error;
  if (auto error = ReadTimestamp(document, "ash_contacted_at", record.ash_contacted_at))
    return error;
  if (auto error = ReadTimestamp(document, "first_response_at", record.first_response_at)) {
    return error;
  }
  if (auto error = ReadTimestamp(document, "resolved_at", record.resolved_at)) return error;

  if (auto error = ReadOptionalSnowflake(document, "acknowledged_by", record.acknowledged_by)) {
    return error;
  }
  if (auto error = ReadAshInitiator(document, record.ash_initiated_by)) return error;
  if (auto error =
          ReadOptionalSnowflake(document, "first_responder_id", record.first_responder_id)) {
    return error;
  }

  if (auto error = ReadDuration(document, "time_to_acknowledge_seconds",
                                record.time_to_acknowledge_seconds)) {
    return error;
  }
  if (auto error = ReadDuration(document, "time_to_ash_seconds", record.time_to_ash_seconds)) {
    return error;
  }
  if (auto error =
          ReadDuration(document, "time_to_response_seconds", record.time_to_response_seconds)) {
    return error;
  }

  if (auto error = ReadFlag(document, "was_auto_initiated", record.was_auto_initiated))
    return error;
  return ReadFlag(document, "user_opted_out", record.user_opted_out);
}

// Fills each duration that v5 left null although its step has a time. v5
// stores no time to resolve, so that one always comes from resolved_at.
void FillMissingDurations(AlertRecord& record) {
  auto fill = [&record](const std::optional<EpochMs>& at, std::optional<std::int64_t>& seconds) {
    if (at && !seconds) seconds = ElapsedSeconds(record.created_at, *at);
  };
  fill(record.acknowledged_at, record.time_to_acknowledge_seconds);
  fill(record.ash_contacted_at, record.time_to_ash_seconds);
  fill(record.first_response_at, record.time_to_response_seconds);
  fill(record.resolved_at, record.time_to_resolve_seconds);
}

}  // namespace

std::int64_t ElapsedSeconds(EpochMs created_ms, EpochMs event_ms) {
  if (event_ms <= created_ms) return 0;
  // The difference of two int64 values fits in 64 unsigned bits.
  std::uint64_t elapsed_ms =
      static_cast<std::uint64_t>(event_ms) - static_cast<std::uint64_t>(created_ms);
  return static_cast<std::int64_t>(elapsed_ms / static_cast<std::uint64_t>(kMsPerSecond));
}

Expected<AlertRecord, std::string> ParseV5AlertRecord(std::string_view json_text) {
  using Result = Expected<AlertRecord, std::string>;

  auto document = ParseJsonText(json_text);
  if (!document.ok()) return Result::Failure(document.error());
  if (!document->is_object()) {
    return Result::Failure(fmt::format("the v5 alert record must be a JSON object (got {})",
                                       DescribeJsonValue(document.value())));
  }

  AlertRecord record;
  record.legacy = true;
  if (auto error = ReadIdentity(document.value(), record)) return Result::Failure(*error);
  if (auto error = ReadClassification(document.value(), record)) return Result::Failure(*error);
  if (auto error = ReadLifecycle(document.value(), record)) return Result::Failure(*error);
  FillMissingDurations(record);
  return record;
}

}  // namespace ash
