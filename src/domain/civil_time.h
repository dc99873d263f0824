#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/clock.h"

namespace ash {

// A UTC calendar day, as the number of days since 1970-01-01.
struct Date {
  std::int32_t days = 0;

  static Date FromYmd(int year, unsigned month, unsigned day);
  static Date OfInstant(EpochMs ms);  // the UTC day containing ms

  EpochMs StartMs() const { return static_cast<EpochMs>(days) * kMsPerDay; }
  EpochMs EndMs() const { return StartMs() + kMsPerDay; }  // exclusive
  Date AddDays(int n) const { return Date{days + n}; }

  int Year() const;
  unsigned Month() const;  // 1..12
  unsigned Day() const;    // 1..31
  int WeekdayIndex() const;  // 0 = Monday .. 6 = Sunday

  auto operator<=>(const Date&) const = default;
};

// "2026-01-05". Returns nullopt unless the text is exactly YYYY-MM-DD and a
// real date.
std::optional<Date> ParseIsoDate(std::string_view text);
std::string FormatIsoDate(Date date);

// "January 5, 2026".
std::string FormatLongDate(Date date);

// "Monday" .. "Sunday".
std::string_view WeekdayName(Date date);

// "Monday" .. "Sunday" for 0 .. 6, the numbering of the weekly report day.
std::string_view DayOfWeekName(int day);

// Parses an RFC 3339 timestamp ("2026-01-05T21:14:03.123456Z", "...+02:00",
// no fraction, lower-case t/z) into epoch milliseconds, truncating any
// digits past the millisecond. Returns nullopt for anything else.
std::optional<EpochMs> ParseRfc3339(std::string_view text);

// "2026-01-05T21:14:03.123Z". Years outside 0000..9999 are not RFC 3339:
// they print with a sign or more digits, and ParseRfc3339 rejects them.
std::string FormatRfc3339(EpochMs ms);

// 0..23, the UTC hour of day of ms.
int HourOfDay(EpochMs ms);

}  // namespace ash
