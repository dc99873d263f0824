#include "domain/snowflake.h"

#include <charconv>
#include <system_error>

namespace ash {

std::optional<Snowflake> ParseSnowflake(std::string_view text) {
  // std::from_chars takes no sign or spaces for an unsigned type, and
  // reports overflow as result_out_of_range.
  if (text.empty() || text.size() > 20) return std::nullopt;

  Snowflake value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value, 10);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace ash
