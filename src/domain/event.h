#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "domain/clock.h"
#include "domain/severity.h"
#include "domain/snowflake.h"
#include "util/expected.h"

namespace ash {

enum class EventType {
  kAlertCreated,
  kAcknowledged,
  kAshContacted,
  kFirstResponse,
  kUserOptedOut,
  kResolved,
};

// "alert_created", "acknowledged", ... as in the event's "type" field.
std::string_view EventTypeName(EventType type);
std::optional<EventType> ParseEventType(std::string_view text);

inline constexpr std::size_t kMaxAlertIdLength = 64;
inline constexpr std::size_t kMaxEventIdLength = 128;
// Events stamped further ahead of the receiving clock than this are rejected.
inline constexpr EpochMs kMaxFutureSkewMs = 5 * kMsPerMinute;

// One alert lifecycle event, validated. Fields that a type does not use
// keep their defaults.
struct Event {
  EventType type = EventType::kAlertCreated;

  // The alert reference: alert_id, or alert_message_id (the Discord message
  // of the alert post). alert_created carries both.
  std::string alert_id;  // empty when the event names only the message
  std::optional<Snowflake> alert_message_id;

  std::optional<EpochMs> at;  // nullopt: the time the service received it
  std::string event_id;       // empty when absent; makes retries idempotent

  // alert_created
  Snowflake user_id = 0;
  Snowflake channel_id = 0;
  std::optional<Snowflake> guild_id;
  Severity severity = Severity::kLow;
  double channel_sensitivity = 1.0;

  // acknowledged (required) and resolved (optional)
  std::optional<Snowflake> by;

  // ash_contacted: initiated_by is a CRT member's id, or nullopt for "auto".
  std::optional<Snowflake> initiated_by;
  bool auto_initiated = false;

  // first_response
  Snowflake responder_id = 0;

  bool operator==(const Event&) const = default;
};

// A rejected event: which field, and why, in words fit for an API client.
struct EventError {
  std::string field;   // "severity", "at", ... or "" for the whole document
  std::string reason;  // "must be one of low, medium, high, critical (got \"urgent\")"

  std::string Message() const;  // "severity: must be ..."; the reason alone when field is ""

  bool operator==(const EventError&) const = default;
};

// The latest `at` accepted: 9999-12-31T23:59:59.999Z. The earliest is 0.
inline constexpr EpochMs kMaxEventTimeMs = 253402300799999;

// Parses and validates one event from JSON text. Never throws, except
// std::bad_alloc when memory runs out.
Expected<Event, EventError> ParseEvent(std::string_view json_text);

// Validates an already-parsed JSON document. Never throws, except
// std::bad_alloc.
Expected<Event, EventError> EventFromJson(const nlohmann::json& document);

// Checks the event time against the receiving clock: more than
// kMaxFutureSkewMs ahead is an error on field "at".
std::optional<EventError> CheckEventTime(const Event& event, EpochMs received_ms);

// The event as canonical JSON (ids as decimal strings, "at" as RFC 3339 when
// set), which ParseEvent reads back to an equal Event.
nlohmann::json EventToJson(const Event& event);

// Helpers shared by the JSON readers of the domain. Each returns the reason
// a value is invalid, worded to follow the field name, as in EventError.

// Checks an alert id: 1 to kMaxAlertIdLength characters of [A-Za-z0-9_-].
// Returns nullopt when it is valid.
std::optional<std::string> CheckAlertId(std::string_view alert_id);

// Reads a Discord id given as a JSON integer or a decimal string, without
// passing through a double. Rejects 0, which Discord never issues.
Expected<Snowflake, std::string> SnowflakeFromJson(const nlohmann::json& value);

// Parses JSON text without throwing. The error is nlohmann's message with
// its position, cut to 200 bytes, non-printable bytes replaced by '?'.
Expected<nlohmann::json, std::string> ParseJsonText(std::string_view json_text);

// Formats a JSON value for an error message. Strings are quoted and cut
// after 40 bytes, numbers, booleans and null appear as JSON, and arrays and
// objects as "an array" and "an object".
std::string DescribeJsonValue(const nlohmann::json& value);

}  // namespace ash
