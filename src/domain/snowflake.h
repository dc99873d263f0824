#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ash {

// A Discord id: an unsigned 64-bit integer, written as a decimal string
// because JSON readers that use doubles lose precision above 2^53.
using Snowflake = std::uint64_t;

// Parses a decimal string of 1 to 20 digits that fits in 64 bits, with no
// sign, spaces or leading "+". Returns nullopt otherwise.
std::optional<Snowflake> ParseSnowflake(std::string_view text);

inline std::string FormatSnowflake(Snowflake id) { return std::to_string(id); }

}  // namespace ash
