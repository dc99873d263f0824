#pragma once

#include <string>

namespace ash {

// A duration as the report prints it, after rounding to whole seconds (half
// up, so 59.5 prints "1m 0s"): under a minute "45s", under an hour "2m 45s"
// (always both parts, "2m 0s"), else "1h 23m" (seconds dropped, minutes
// truncated). Negative values and NaN print as "0s".
std::string FormatDuration(double seconds);

// The UTC hour-of-day slot on a 12-hour clock: 22 -> "10 PM - 11 PM",
// 11 -> "11 AM - 12 PM", 23 -> "11 PM - 12 AM", 0 -> "12 AM - 1 AM". Hours
// outside 0..23 are taken modulo 24.
std::string FormatHourRange(int hour);

}  // namespace ash
