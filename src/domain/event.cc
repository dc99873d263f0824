#include "domain/event.h"

#include <array>
#include <cmath>
#include <cstddef>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/civil_time.h"

namespace ash {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kEventTypeNames = {"alert_created",  "acknowledged",
                                                             "ash_contacted",  "first_response",
                                                             "user_opted_out", "resolved"};

constexpr std::string_view kEventTypeRule =
    "must be one of alert_created, acknowledged, ash_contacted, first_response, user_opted_out, "
    "resolved";
constexpr std::string_view kSnowflakeRule =
    "must be a Discord id from 1 to 18446744073709551615, as a JSON integer or a decimal string";
constexpr std::string_view kInitiatedByRule =
    "must be \"auto\" or a Discord id from 1 to 18446744073709551615, as a JSON integer or a "
    "decimal string";
constexpr std::string_view kAlertIdRule =
    "must be 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'";
constexpr std::string_view kSeverityRule = "must be one of low, medium, high, critical";
constexpr std::string_view kSensitivityRule = "must be a number from 0 to 10";
constexpr std::string_view kEventTimeRule =
    "must be an RFC 3339 timestamp such as \"2026-01-05T21:14:03.123Z\" or integer epoch "
    "milliseconds";
constexpr std::string_view kEventTimeRangeRule =
    "must be from 1970-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z";
constexpr std::string_view kEventIdRule = "must be a string of 1 to 128 bytes";

constexpr double kMaxChannelSensitivity = 10.0;
constexpr std::size_t kDescribedStringBytes = 40;
// nlohmann's parse errors quote the input near the failure. Longer
// messages are cut, so one bad request cannot produce a huge error.
constexpr std::size_t kMaxParseErrorBytes = 200;

EventError MakeError(std::string_view field, std::string_view rule, const json& value) {
  return EventError{std::string(field), fmt::format("{} (got {})", rule, DescribeJsonValue(value))};
}

EventError MissingField(std::string_view field) {
  return EventError{std::string(field), "is required"};
}

// Returns the member `name` of an object, or nullptr when it is absent or
// null: an optional field given as null counts as not given.
const json* FindField(const json& document, std::string_view name) {
  auto it = document.find(name);
  if (it == document.end() || it->is_null()) return nullptr;
  return &*it;
}

enum class SnowflakeCheck { kValid, kZero, kInvalid };

// Reads an integer or decimal-string id into `id`. nlohmann stores JSON
// integers as number_unsigned (non-negative) or number_integer, never as a
// double. Integers too large for 64 bits arrive as number_float and fail.
SnowflakeCheck ReadSnowflake(const json& value, Snowflake& id) {
  if (value.is_number_unsigned()) {
    id = value.get<std::uint64_t>();
  } else if (value.is_number_integer()) {
    std::int64_t signed_value = value.get<std::int64_t>();
    if (signed_value < 0) return SnowflakeCheck::kInvalid;
    id = static_cast<Snowflake>(signed_value);
  } else if (value.is_string()) {
    auto parsed = ParseSnowflake(value.get_ref<const std::string&>());
    if (!parsed) return SnowflakeCheck::kInvalid;
    id = *parsed;
  } else {
    return SnowflakeCheck::kInvalid;
  }
  return id == 0 ? SnowflakeCheck::kZero : SnowflakeCheck::kValid;
}

std::string SnowflakeReason(std::string_view rule, SnowflakeCheck check, const json& value) {
  if (check == SnowflakeCheck::kZero) {
    return fmt::format("{} (got {}; Discord never issues id 0)", rule, DescribeJsonValue(value));
  }
  if (value.is_number_float()) {
    return fmt::format("{} (got {}, a floating-point number)", rule, DescribeJsonValue(value));
  }
  return fmt::format("{} (got {})", rule, DescribeJsonValue(value));
}

std::optional<EventError> ReadOptionalSnowflake(const json& document, std::string_view field,
                                                std::optional<Snowflake>& out) {
  const json* value = FindField(document, field);
  if (value == nullptr) return std::nullopt;

  auto id = SnowflakeFromJson(*value);
  if (!id.ok()) return EventError{std::string(field), id.error()};
  out = id.value();
  return std::nullopt;
}

std::optional<EventError> ReadRequiredSnowflake(const json& document, std::string_view field,
                                                Snowflake& out) {
  std::optional<Snowflake> id;
  if (auto error = ReadOptionalSnowflake(document, field, id)) return error;
  if (!id) return MissingField(field);
  out = *id;
  return std::nullopt;
}

std::optional<EventError> ReadType(const json& document, EventType& out) {
  const json* value = FindField(document, "type");
  if (value == nullptr)
    return EventError{"type", fmt::format("is required and {}", kEventTypeRule)};

  std::optional<EventType> type;
  if (value->is_string()) type = ParseEventType(value->get_ref<const std::string&>());
  if (!type) return MakeError("type", kEventTypeRule, *value);
  out = *type;
  return std::nullopt;
}

std::optional<EventError> ReadAlertId(const json& document, bool required, std::string& out) {
  const json* value = FindField(document, "alert_id");
  if (value == nullptr) return required ? std::optional(MissingField("alert_id")) : std::nullopt;
  if (!value->is_string()) return MakeError("alert_id", kAlertIdRule, *value);

  const auto& text = value->get_ref<const std::string&>();
  if (auto reason = CheckAlertId(text)) return EventError{"alert_id", *reason};
  out = text;
  return std::nullopt;
}

// Reads the alert reference. alert_created needs both alert_id and
// alert_message_id, and every other type needs at least one of them.
std::optional<EventError> ReadAlertReference(const json& document, Event& event) {
  bool created = event.type == EventType::kAlertCreated;
  if (auto error = ReadAlertId(document, created, event.alert_id)) return error;
  if (auto error = ReadOptionalSnowflake(document, "alert_message_id", event.alert_message_id)) {
    return error;
  }

  if (created && !event.alert_message_id) return MissingField("alert_message_id");
  if (event.alert_id.empty() && !event.alert_message_id) {
    return EventError{"alert_id", "is required: name the alert with alert_id or alert_message_id"};
  }
  return std::nullopt;
}

std::optional<EventError> ReadEventTime(const json& document, std::optional<EpochMs>& out) {
  const json* value = FindField(document, "at");
  if (value == nullptr) return std::nullopt;

  std::optional<EpochMs> ms;
  if (value->is_string()) {
    ms = ParseRfc3339(value->get_ref<const std::string&>());
    if (!ms) return MakeError("at", kEventTimeRule, *value);
  } else if (value->is_number_unsigned()) {
    std::uint64_t unsigned_ms = value->get<std::uint64_t>();
    if (unsigned_ms > static_cast<std::uint64_t>(kMaxEventTimeMs)) {
      return MakeError("at", kEventTimeRangeRule, *value);
    }
    ms = static_cast<EpochMs>(unsigned_ms);
  } else if (value->is_number_integer()) {
    ms = value->get<std::int64_t>();
  } else if (value->is_number_float()) {
    return EventError{"at", fmt::format("{} (got {}, a floating-point number)", kEventTimeRule,
                                        DescribeJsonValue(*value))};
  } else {
    return MakeError("at", kEventTimeRule, *value);
  }

  if (*ms < 0 || *ms > kMaxEventTimeMs) return MakeError("at", kEventTimeRangeRule, *value);
  out = ms;
  return std::nullopt;
}

std::optional<EventError> ReadEventId(const json& document, std::string& out) {
  const json* value = FindField(document, "event_id");
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return MakeError("event_id", kEventIdRule, *value);

  const auto& text = value->get_ref<const std::string&>();
  if (text.empty() || text.size() > kMaxEventIdLength) {
    return EventError{"event_id", fmt::format("{} (got {} bytes)", kEventIdRule, text.size())};
  }
  out = text;
  return std::nullopt;
}

std::optional<EventError> ReadSeverity(const json& document, Severity& out) {
  const json* value = FindField(document, "severity");
  if (value == nullptr) return MissingField("severity");

  std::optional<Severity> severity;
  if (value->is_string()) severity = ParseSeverity(value->get_ref<const std::string&>());
  if (!severity) return MakeError("severity", kSeverityRule, *value);
  out = *severity;
  return std::nullopt;
}

std::optional<EventError> ReadChannelSensitivity(const json& document, double& out) {
  const json* value = FindField(document, "channel_sensitivity");
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) return MakeError("channel_sensitivity", kSensitivityRule, *value);

  auto sensitivity = value->get<double>();
  if (!std::isfinite(sensitivity) || sensitivity < 0.0 || sensitivity > kMaxChannelSensitivity) {
    return MakeError("channel_sensitivity", kSensitivityRule, *value);
  }
  out = sensitivity;
  return std::nullopt;
}

std::optional<EventError> ReadAlertCreatedFields(const json& document, Event& event) {
  if (auto error = ReadRequiredSnowflake(document, "user_id", event.user_id)) return error;
  if (auto error = ReadRequiredSnowflake(document, "channel_id", event.channel_id)) return error;
  if (auto error = ReadOptionalSnowflake(document, "guild_id", event.guild_id)) return error;
  if (auto error = ReadSeverity(document, event.severity)) return error;
  return ReadChannelSensitivity(document, event.channel_sensitivity);
}

// Reads initiated_by (an id or "auto") and `auto`, which defaults to
// whether initiated_by is "auto". An "auto" initiator with `auto` false
// contradicts itself and is rejected.
std::optional<EventError> ReadAshContactedFields(const json& document, Event& event) {
  const json* initiator = FindField(document, "initiated_by");
  if (initiator == nullptr) return MissingField("initiated_by");

  bool initiator_is_auto =
      initiator->is_string() && initiator->get_ref<const std::string&>() == "auto";
  if (!initiator_is_auto) {
    Snowflake id = 0;
    SnowflakeCheck check = ReadSnowflake(*initiator, id);
    if (check != SnowflakeCheck::kValid) {
      return EventError{"initiated_by", SnowflakeReason(kInitiatedByRule, check, *initiator)};
    }
    event.initiated_by = id;
  }

  event.auto_initiated = initiator_is_auto;
  const json* auto_flag = FindField(document, "auto");
  if (auto_flag == nullptr) return std::nullopt;
  if (!auto_flag->is_boolean()) return MakeError("auto", "must be true or false", *auto_flag);

  event.auto_initiated = auto_flag->get<bool>();
  if (initiator_is_auto && !event.auto_initiated) {
    return EventError{"auto", "must be true or absent when initiated_by is \"auto\" (got false)"};
  }
  return std::nullopt;
}

std::optional<EventError> ReadTypeFields(const json& document, Event& event) {
  switch (event.type) {
    case EventType::kAlertCreated:
      return ReadAlertCreatedFields(document, event);
    case EventType::kAcknowledged: {
      Snowflake by = 0;
      if (auto error = ReadRequiredSnowflake(document, "by", by)) return error;
      event.by = by;
      return std::nullopt;
    }
    case EventType::kAshContacted:
      return ReadAshContactedFields(document, event);
    case EventType::kFirstResponse:
      return ReadRequiredSnowflake(document, "responder_id", event.responder_id);
    case EventType::kUserOptedOut:
      return std::nullopt;
    case EventType::kResolved:
      return ReadOptionalSnowflake(document, "by", event.by);
  }
  return std::nullopt;
}

// Keeps printable ASCII and replaces other bytes with '?', so the message
// is valid UTF-8 whatever bytes the input held.
std::string SanitizeParseError(std::string_view what) {
  // nlohmann prefixes "[json.exception.parse_error.101] ".
  if (auto prefix_end = what.find("] ");
      !what.empty() && what[0] == '[' && prefix_end != what.npos) {
    what.remove_prefix(prefix_end + 2);
  }

  std::string text;
  for (char c : what.substr(0, kMaxParseErrorBytes)) {
    text.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (what.size() > kMaxParseErrorBytes) text += "...";
  return text;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  return kEventTypeNames[static_cast<std::size_t>(type)];
}

std::optional<EventType> ParseEventType(std::string_view text) {
  for (std::size_t i = 0; i < kEventTypeNames.size(); ++i) {
    if (kEventTypeNames[i] == text) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

std::string EventError::Message() const {
  if (field.empty()) return reason;
  return fmt::format("{}: {}", field, reason);
}

std::optional<std::string> CheckAlertId(std::string_view alert_id) {
  if (alert_id.empty()) return fmt::format("{} (got \"\")", kAlertIdRule);
  if (alert_id.size() > kMaxAlertIdLength) {
    return fmt::format("{} (got {} characters)", kAlertIdRule, alert_id.size());
  }

  for (char c : alert_id) {
    bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-';
    if (!allowed)
      return fmt::format("{} (got {})", kAlertIdRule, DescribeJsonValue(json(alert_id)));
  }
  return std::nullopt;
}

Expected<Snowflake, std::string> SnowflakeFromJson(const json& value) {
  Snowflake id = 0;
  SnowflakeCheck check = ReadSnowflake(value, id);
  if (check != SnowflakeCheck::kValid) {
    return Expected<Snowflake, std::string>::Failure(SnowflakeReason(kSnowflakeRule, check, value));
  }
  return id;
}

std::string DescribeJsonValue(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::binary:
      return "binary data";
    case json::value_t::discarded:
      return "a discarded value";
    case json::value_t::string: {
      // The replace handler turns invalid UTF-8, including a multi-byte
      // character split by the cut, into U+FFFD instead of throwing.
      const auto& text = value.get_ref<const std::string&>();
      if (text.size() <= kDescribedStringBytes) {
        return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
      }
      std::string cut = json(text.substr(0, kDescribedStringBytes))
                            .dump(-1, ' ', false, json::error_handler_t::replace);
      cut.insert(cut.size() - 1, "...");
      return cut;
    }
    default:
      return value.dump();
  }
}

Expected<Event, EventError> EventFromJson(const json& document) {
  using Result = Expected<Event, EventError>;
  if (!document.is_object()) {
    return Result::Failure(EventError{
        "", fmt::format("the event must be a JSON object (got {})", DescribeJsonValue(document))});
  }

  Event event;
  if (auto error = ReadType(document, event.type)) return Result::Failure(*error);
  if (auto error = ReadAlertReference(document, event)) return Result::Failure(*error);
  if (auto error = ReadEventTime(document, event.at)) return Result::Failure(*error);
  if (auto error = ReadEventId(document, event.event_id)) return Result::Failure(*error);
  if (auto error = ReadTypeFields(document, event)) return Result::Failure(*error);
  return event;
}

Expected<json, std::string> ParseJsonText(std::string_view json_text) {
  try {
    return json::parse(json_text);
  } catch (const json::exception& error) {
    // parse_error for bad syntax, and out_of_range for a number too large
    // for a double, such as 1e400.
    return Expected<json, std::string>::Failure(
        fmt::format("invalid JSON: {}", SanitizeParseError(error.what())));
  }
}

Expected<Event, EventError> ParseEvent(std::string_view json_text) {
  auto document = ParseJsonText(json_text);
  if (!document.ok()) return Expected<Event, EventError>::Failure(EventError{"", document.error()});
  return EventFromJson(document.value());
}

std::optional<EventError> CheckEventTime(const Event& event, EpochMs received_ms) {
  if (!event.at) return std::nullopt;

  // When at is later, the difference fits in 64 unsigned bits, so it is
  // computed there instead of risking signed overflow.
  bool too_far_ahead = *event.at > received_ms && static_cast<std::uint64_t>(*event.at) -
                                                          static_cast<std::uint64_t>(received_ms) >
                                                      static_cast<std::uint64_t>(kMaxFutureSkewMs);
  if (!too_far_ahead) return std::nullopt;

  return EventError{"at",
                    fmt::format("must be at most 5 minutes after the time the service received the "
                                "event, {} (got {}); check the sending machine's clock",
                                FormatRfc3339(received_ms), FormatRfc3339(*event.at))};
}

json EventToJson(const Event& event) {
  json document = json::object();
  document["type"] = EventTypeName(event.type);
  if (!event.alert_id.empty()) document["alert_id"] = event.alert_id;
  if (event.alert_message_id)
    document["alert_message_id"] = FormatSnowflake(*event.alert_message_id);
  if (event.at) document["at"] = FormatRfc3339(*event.at);
  if (!event.event_id.empty()) document["event_id"] = event.event_id;

  switch (event.type) {
    case EventType::kAlertCreated:
      document["user_id"] = FormatSnowflake(event.user_id);
      document["channel_id"] = FormatSnowflake(event.channel_id);
      if (event.guild_id) document["guild_id"] = FormatSnowflake(*event.guild_id);
      document["severity"] = SeverityName(event.severity);
      document["channel_sensitivity"] = event.channel_sensitivity;
      break;
    case EventType::kAcknowledged:
    case EventType::kResolved:
      if (event.by) document["by"] = FormatSnowflake(*event.by);
      break;
    case EventType::kAshContacted:
      document["initiated_by"] = event.initiated_by ? FormatSnowflake(*event.initiated_by) : "auto";
      document["auto"] = event.auto_initiated;
      break;
    case EventType::kFirstResponse:
      document["responder_id"] = FormatSnowflake(event.responder_id);
      break;
    case EventType::kUserOptedOut:
      break;
  }
  return document;
}

}  // namespace ash
