#include "domain/format.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace ash {
namespace {

constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerHour = 3600;

// Rounds half up to whole seconds. Negative values and NaN count as 0, and
// values beyond the int64 range saturate, so any double formats.
std::int64_t RoundToWholeSeconds(double seconds) {
  if (!(seconds > 0)) {
    return 0;
  }
  const double rounded = std::floor(seconds + 0.5);
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (rounded >= 9223372036854775808.0) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(rounded);
}

// 1..12 on a 12-hour clock face for hour of day 0..23.
int TwelveHourClock(int hour) {
  const int h = hour % 12;
  return h == 0 ? 12 : h;
}

const char* Meridiem(int hour) { return hour < 12 ? "AM" : "PM"; }

}  // namespace

std::string FormatDuration(double seconds) {
  const std::int64_t total = RoundToWholeSeconds(seconds);
  if (total < kSecondsPerMinute) {
    return std::to_string(total) + "s";
  }
  if (total < kSecondsPerHour) {
    return std::to_string(total / kSecondsPerMinute) + "m " +
           std::to_string(total % kSecondsPerMinute) + "s";
  }
  return std::to_string(total / kSecondsPerHour) + "h " +
         std::to_string(total % kSecondsPerHour / kSecondsPerMinute) + "m";
}

std::string FormatHourRange(int hour) {
  const int start = ((hour % 24) + 24) % 24;
  const int end = (start + 1) % 24;
  return std::to_string(TwelveHourClock(start)) + " " + Meridiem(start) + " - " +
         std::to_string(TwelveHourClock(end)) + " " + Meridiem(end);
}

}  // namespace ash
