#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/snowflake.h"

namespace ash {

// A Discord id stored by the bot as a JSON integer (parsed exactly, never
// through a double) or as a decimal string. nullopt for null, a missing
// field, or anything else.
template <typename Json>
std::optional<Snowflake> JsonSnowflake(const Json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_unsigned()) return it->template get<std::uint64_t>();
  if (it->is_number_integer() && it->template get<std::int64_t>() >= 0) {
    return static_cast<Snowflake>(it->template get<std::int64_t>());
  }
  if (it->is_string()) return ParseSnowflake(it->template get_ref<const std::string&>());
  return std::nullopt;
}

// An RFC 3339 timestamp field as epoch ms; nullopt when missing or invalid.
std::optional<EpochMs> JsonTimestamp(const nlohmann::json& object, std::string_view field);

// Parses text as a JSON object; nullopt for invalid JSON or another type.
std::optional<nlohmann::json> ParseJsonObject(std::string_view text);

// Serializes like Python's json.dumps with its defaults (", " and ": "
// separators, non-ASCII as \uXXXX), as Ash-Bot v5 wrote its records, so a
// rewritten member differs from the original only where a value changed.
std::string DumpPythonStyle(const nlohmann::ordered_json& value);

}  // namespace ash
