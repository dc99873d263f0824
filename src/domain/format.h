#pragma once

#include <string>

namespace ash {

// A duration as the report prints it, after rounding to whole seconds:
// under a minute "45s", under an hour "2m 45s", else "1h 23m" (minutes
// truncated).
std::string FormatDuration(double seconds);

// The UTC hour-of-day slot: 22 -> "10 PM - 11 PM", 11 -> "11 AM - 12 PM",
// 23 -> "11 PM - 12 AM", 0 -> "12 AM - 1 AM".
std::string FormatHourRange(int hour);

}  // namespace ash
