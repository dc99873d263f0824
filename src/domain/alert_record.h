#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/clock.h"
#include "domain/severity.h"
#include "domain/snowflake.h"
#include "util/expected.h"

namespace ash {

// The current state of one alert, whichever storage layout it came from.
// Durations are whole seconds from created_at, floored, never negative.
struct AlertRecord {
  std::string alert_id;
  Snowflake alert_message_id = 0;
  std::optional<Snowflake> user_id;  // nullopt once the person's data was erased
  Snowflake channel_id = 0;
  std::optional<Snowflake> guild_id;
  Severity severity = Severity::kLow;
  double channel_sensitivity = 1.0;

  EpochMs created_at = 0;
  std::optional<EpochMs> acknowledged_at;
  std::optional<EpochMs> ash_contacted_at;
  std::optional<EpochMs> first_response_at;
  std::optional<EpochMs> resolved_at;
  std::optional<EpochMs> user_opted_out_at;

  std::optional<Snowflake> acknowledged_by;
  std::optional<std::string> ash_initiated_by;  // a member's id, or "auto"
  std::optional<Snowflake> first_responder_id;
  std::optional<Snowflake> resolved_by;

  std::optional<std::int64_t> time_to_acknowledge_seconds;
  std::optional<std::int64_t> time_to_ash_seconds;
  std::optional<std::int64_t> time_to_response_seconds;
  std::optional<std::int64_t> time_to_resolve_seconds;

  bool was_auto_initiated = false;
  bool user_opted_out = false;

  bool legacy = false;  // read from an Ash-Bot v5 sorted-set record

  bool operator==(const AlertRecord&) const = default;
};

// floor((event_ms - created_ms) / 1000), and 0 when the event is earlier.
std::int64_t ElapsedSeconds(EpochMs created_ms, EpochMs event_ms);

// Parses one Ash-Bot v5 alert record (a JSON member of the v5 sorted set).
// Snowflakes are read as 64-bit integers, never through a double;
// timestamps with or without a fraction, truncated to milliseconds. The
// stored whole-second durations are kept as written.
Expected<AlertRecord, std::string> ParseV5AlertRecord(std::string_view json_text);

}  // namespace ash
