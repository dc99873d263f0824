#include "domain/civil_time.h"

#include <array>
#include <chrono>

#include <fmt/format.h>

namespace ash {
namespace {

namespace chrono = std::chrono;

// Floor division and modulo: the day of -1 ms is 1969-12-31, not 1970-01-01.
constexpr std::int64_t FloorDiv(std::int64_t value, std::int64_t divisor) {
  std::int64_t quotient = value / divisor;
  if (value % divisor != 0 && value < 0) --quotient;
  return quotient;
}

constexpr std::int64_t FloorMod(std::int64_t value, std::int64_t divisor) {
  std::int64_t remainder = value % divisor;
  return remainder < 0 ? remainder + divisor : remainder;
}

chrono::year_month_day ToYmd(Date date) {
  return chrono::year_month_day{chrono::sys_days{chrono::days{date.days}}};
}

constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// A cursor over the text of a timestamp. Every Read* call consumes input
// only on success, and the parse fails at the first mismatch.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }

  // Reads exactly `count` ASCII digits as a number.
  std::optional<int> ReadDigits(std::size_t count) {
    if (text_.size() - pos_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    return value;
  }

  bool ReadChar(char expected) {
    if (AtEnd() || text_[pos_] != expected) return false;
    ++pos_;
    return true;
  }

  // Reads one character that is any of `choices`, and returns it.
  std::optional<char> ReadOneOf(std::string_view choices) {
    if (AtEnd() || choices.find(text_[pos_]) == std::string_view::npos) return std::nullopt;
    return text_[pos_++];
  }

  // Reads one or more digits of a fraction of a second and returns the
  // milliseconds they express. Digits past the third are dropped.
  std::optional<int> ReadFractionMs() {
    int ms = 0;
    std::size_t digits = 0;
    while (!AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (digits < 3) ms = ms * 10 + (text_[pos_] - '0');
      ++digits;
      ++pos_;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 3; ++i) ms *= 10;
    return ms;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads "YYYY-MM-DD" and checks that it names a real day.
std::optional<Date> ReadDate(Scanner& scanner) {
  auto year = scanner.ReadDigits(4);
  if (!year || !scanner.ReadChar('-')) return std::nullopt;
  auto month = scanner.ReadDigits(2);
  if (!month || !scanner.ReadChar('-')) return std::nullopt;
  auto day = scanner.ReadDigits(2);
  if (!day) return std::nullopt;

  chrono::year_month_day ymd{chrono::year{*year}, chrono::month{static_cast<unsigned>(*month)},
                             chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return std::nullopt;
  return Date{static_cast<std::int32_t>(chrono::sys_days{ymd}.time_since_epoch().count())};
}

// Reads "Z", "z", or "+HH:MM" / "-HH:MM", and returns the offset east of
// UTC in minutes.
std::optional<int> ReadUtcOffsetMinutes(Scanner& scanner) {
  if (scanner.ReadOneOf("Zz")) return 0;

  auto sign = scanner.ReadOneOf("+-");
  if (!sign) return std::nullopt;
  auto hours = scanner.ReadDigits(2);
  if (!hours || *hours > 23 || !scanner.ReadChar(':')) return std::nullopt;
  auto minutes = scanner.ReadDigits(2);
  if (!minutes || *minutes > 59) return std::nullopt;

  int offset = *hours * 60 + *minutes;
  return *sign == '-' ? -offset : offset;
}

}  // namespace

Date Date::FromYmd(int year, unsigned month, unsigned day) {
  chrono::year_month_day ymd{chrono::year{year}, chrono::month{month}, chrono::day{day}};
  return Date{static_cast<std::int32_t>(chrono::sys_days{ymd}.time_since_epoch().count())};
}

Date Date::OfInstant(EpochMs ms) {
  return Date{static_cast<std::int32_t>(FloorDiv(ms, kMsPerDay))};
}

int Date::Year() const { return static_cast<int>(ToYmd(*this).year()); }

unsigned Date::Month() const { return static_cast<unsigned>(ToYmd(*this).month()); }

unsigned Date::Day() const { return static_cast<unsigned>(ToYmd(*this).day()); }

int Date::WeekdayIndex() const {
  // 1970-01-01 was a Thursday, index 3.
  return static_cast<int>(FloorMod(static_cast<std::int64_t>(days) + 3, 7));
}

std::optional<Date> ParseIsoDate(std::string_view text) {
  Scanner scanner(text);
  auto date = ReadDate(scanner);
  if (!date || !scanner.AtEnd()) return std::nullopt;
  return date;
}

std::string FormatIsoDate(Date date) {
  return fmt::format("{:04}-{:02}-{:02}", date.Year(), date.Month(), date.Day());
}

std::string FormatLongDate(Date date) {
  return fmt::format("{} {}, {}", kMonthNames[date.Month() - 1], date.Day(), date.Year());
}

std::string_view DayOfWeekName(int day) { return kWeekdayNames.at(static_cast<std::size_t>(day)); }

std::string_view WeekdayName(Date date) { return kWeekdayNames[date.WeekdayIndex()]; }

std::optional<EpochMs> ParseRfc3339(std::string_view text) {
  Scanner scanner(text);

  auto date = ReadDate(scanner);
  if (!date || !scanner.ReadOneOf("Tt")) return std::nullopt;

  auto hour = scanner.ReadDigits(2);
  if (!hour || *hour > 23 || !scanner.ReadChar(':')) return std::nullopt;
  auto minute = scanner.ReadDigits(2);
  if (!minute || *minute > 59 || !scanner.ReadChar(':')) return std::nullopt;
  // NOTE: RFC 3339 allows second 60 for a leap second, but epoch
  // milliseconds cannot represent one, so it is rejected.
  auto second = scanner.ReadDigits(2);
  if (!second || *second > 59) return std::nullopt;

  int fraction_ms = 0;
  if (scanner.ReadChar('.')) {
    auto ms = scanner.ReadFractionMs();
    if (!ms) return std::nullopt;
    fraction_ms = *ms;
  }

  auto offset_minutes = ReadUtcOffsetMinutes(scanner);
  if (!offset_minutes || !scanner.AtEnd()) return std::nullopt;

  return date->StartMs() + *hour * kMsPerHour + *minute * kMsPerMinute + *second * kMsPerSecond +
         fraction_ms - *offset_minutes * kMsPerMinute;
}

std::string FormatRfc3339(EpochMs ms) {
  std::int64_t ms_of_day = FloorMod(ms, kMsPerDay);
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z", FormatIsoDate(Date::OfInstant(ms)),
                     ms_of_day / kMsPerHour, ms_of_day / kMsPerMinute % 60,
                     ms_of_day / kMsPerSecond % 60, ms_of_day % kMsPerSecond);
}

int HourOfDay(EpochMs ms) { return static_cast<int>(FloorMod(ms, kMsPerDay) / kMsPerHour); }

}  // namespace ash
