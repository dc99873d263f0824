#include "domain/civil_time.h"

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ash {
namespace {

// 2026-01-05T00:00:00Z, a Monday.
constexpr EpochMs kJan5Ms = 1767571200000;

TEST(DateTest, EpochIsThursdayJanuaryFirst1970) {
  Date epoch{0};
  EXPECT_EQ(epoch.Year(), 1970);
  EXPECT_EQ(epoch.Month(), 1u);
  EXPECT_EQ(epoch.Day(), 1u);
  EXPECT_EQ(epoch.WeekdayIndex(), 3);
  EXPECT_EQ(WeekdayName(epoch), "Thursday");
}

TEST(DateTest, FromYmdMatchesKnownDays) {
  EXPECT_EQ(Date::FromYmd(1970, 1, 1).days, 0);
  EXPECT_EQ(Date::FromYmd(2026, 1, 5).days, 20458);
  EXPECT_EQ(Date::FromYmd(2000, 3, 1).days, 11017);
  EXPECT_EQ(Date::FromYmd(1969, 12, 31).days, -1);
  EXPECT_EQ(Date::FromYmd(1900, 1, 1).days, -25567);
}

TEST(DateTest, StartAndEndMs) {
  Date jan5 = Date::FromYmd(2026, 1, 5);
  EXPECT_EQ(jan5.StartMs(), kJan5Ms);
  EXPECT_EQ(jan5.EndMs(), kJan5Ms + kMsPerDay);
}

TEST(DateTest, OfInstantUsesFloorBeforeEpoch) {
  EXPECT_EQ(Date::OfInstant(0).days, 0);
  EXPECT_EQ(Date::OfInstant(kMsPerDay - 1).days, 0);
  EXPECT_EQ(Date::OfInstant(-1).days, -1);
  EXPECT_EQ(Date::OfInstant(-kMsPerDay).days, -1);
  EXPECT_EQ(Date::OfInstant(-kMsPerDay - 1).days, -2);
  EXPECT_EQ(Date::OfInstant(kJan5Ms + 23 * kMsPerHour), Date::FromYmd(2026, 1, 5));
}

TEST(DateTest, DatesBefore1970) {
  Date date = Date::FromYmd(1969, 7, 20);
  EXPECT_LT(date.days, 0);
  EXPECT_EQ(date.Year(), 1969);
  EXPECT_EQ(date.Month(), 7u);
  EXPECT_EQ(date.Day(), 20u);
  EXPECT_EQ(WeekdayName(date), "Sunday");
  EXPECT_EQ(FormatIsoDate(date), "1969-07-20");
  EXPECT_EQ(FormatLongDate(Date::FromYmd(1900, 2, 28)), "February 28, 1900");
  EXPECT_EQ(WeekdayName(Date::FromYmd(1900, 1, 1)), "Monday");
}

TEST(DateTest, AddDaysAcrossMonthAndYearEnds) {
  Date dec31 = Date::FromYmd(2025, 12, 31);
  EXPECT_EQ(dec31.AddDays(1), Date::FromYmd(2026, 1, 1));
  EXPECT_EQ(Date::FromYmd(2026, 1, 4).AddDays(-6), Date::FromYmd(2025, 12, 29));
  EXPECT_EQ(Date::FromYmd(2024, 2, 28).AddDays(1), Date::FromYmd(2024, 2, 29));
  EXPECT_EQ(Date::FromYmd(2026, 2, 28).AddDays(1), Date::FromYmd(2026, 3, 1));
  EXPECT_EQ(Date::FromYmd(2026, 1, 31).AddDays(1), Date::FromYmd(2026, 2, 1));
  EXPECT_EQ(Date::FromYmd(1970, 1, 1).AddDays(-1), Date::FromYmd(1969, 12, 31));
  EXPECT_EQ(Date::FromYmd(2026, 1, 5).AddDays(7), Date::FromYmd(2026, 1, 12));
}

TEST(DateTest, ComparesByDay) {
  EXPECT_LT(Date::FromYmd(2025, 12, 31), Date::FromYmd(2026, 1, 1));
  EXPECT_EQ(Date::FromYmd(2026, 1, 5), Date{20458});
}

TEST(WeekdayTest, NamesEveryDayOfOneWeek) {
  const std::vector<std::string_view> expected = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};
  Date monday = Date::FromYmd(2026, 1, 5);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(monday.AddDays(i).WeekdayIndex(), i);
    EXPECT_EQ(WeekdayName(monday.AddDays(i)), expected[static_cast<std::size_t>(i)]);
  }
}

TEST(IsoDateTest, ParsesValidDates) {
  EXPECT_EQ(ParseIsoDate("2026-01-05"), Date::FromYmd(2026, 1, 5));
  EXPECT_EQ(ParseIsoDate("1970-01-01"), Date{0});
  EXPECT_EQ(ParseIsoDate("1969-12-31"), Date{-1});
  EXPECT_EQ(ParseIsoDate("0000-01-01"), Date::FromYmd(0, 1, 1));
  EXPECT_EQ(ParseIsoDate("9999-12-31"), Date::FromYmd(9999, 12, 31));
}

TEST(IsoDateTest, LeapYears) {
  EXPECT_TRUE(ParseIsoDate("2024-02-29").has_value());
  EXPECT_TRUE(ParseIsoDate("2000-02-29").has_value());
  EXPECT_FALSE(ParseIsoDate("2026-02-29").has_value());
  EXPECT_FALSE(ParseIsoDate("1900-02-29").has_value());
  EXPECT_FALSE(ParseIsoDate("2024-02-30").has_value());
}

TEST(IsoDateTest, RejectsBadForms) {
  for (std::string_view text :
       {"", "2026-1-05", "2026-01-5", "26-01-05", "2026/01/05", "2026-01-05 ", " 2026-01-05",
        "2026-01-05T00:00:00Z", "2026-00-10", "2026-13-01", "2026-04-31", "2026-01-00",
        "2026-01-32", "+2026-01-05", "-001-01-01", "2026-0a-05", "20260105", "2026-01-05x",
        "２０２６-01-05"}) {
    EXPECT_FALSE(ParseIsoDate(text).has_value()) << text;
  }
}

TEST(IsoDateTest, FormatRoundTrips) {
  EXPECT_EQ(FormatIsoDate(Date::FromYmd(2026, 1, 5)), "2026-01-05");
  EXPECT_EQ(FormatIsoDate(Date::FromYmd(987, 3, 9)), "0987-03-09");
  // Every 997th day from 0000-01-01 to 9999-12-31.
  for (int days = -719528; days <= 2932896; days += 997) {
    Date date{days};
    EXPECT_EQ(ParseIsoDate(FormatIsoDate(date)), date) << days;
  }
}

TEST(LongDateTest, FormatsMonthDayYear) {
  EXPECT_EQ(FormatLongDate(Date::FromYmd(2026, 1, 5)), "January 5, 2026");
  EXPECT_EQ(FormatLongDate(Date::FromYmd(2026, 12, 31)), "December 31, 2026");
  EXPECT_EQ(FormatLongDate(Date::FromYmd(2024, 2, 29)), "February 29, 2024");
  EXPECT_EQ(FormatLongDate(Date::FromYmd(2025, 9, 10)), "September 10, 2025");
}

TEST(Rfc3339Test, ParsesUtcWithFractions) {
  constexpr EpochMs kBase = kJan5Ms + 21 * kMsPerHour + 14 * kMsPerMinute + 3 * kMsPerSecond;
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03Z"), kBase);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.0Z"), kBase);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.1Z"), kBase + 100);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.12Z"), kBase + 120);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.123Z"), kBase + 123);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.123456Z"), kBase + 123);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.999999Z"), kBase + 999);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.123456789Z"), kBase + 123);
  EXPECT_EQ(ParseRfc3339("2026-01-05T21:14:03.000000000000000000001Z"), kBase);
}

TEST(Rfc3339Test, ParsesOffsets) {
  constexpr EpochMs kNoonUtc = kJan5Ms + 12 * kMsPerHour;
  EXPECT_EQ(ParseRfc3339("2026-01-05T12:00:00+00:00"), kNoonUtc);
  EXPECT_EQ(ParseRfc3339("2026-01-05T12:00:00-00:00"), kNoonUtc);
  EXPECT_EQ(ParseRfc3339("2026-01-05T14:00:00+02:00"), kNoonUtc);
  EXPECT_EQ(ParseRfc3339("2026-01-05T06:30:00-05:30"), kNoonUtc);
  EXPECT_EQ(ParseRfc3339("2026-01-05T12:00:00.500+00:00"), kNoonUtc + 500);
  EXPECT_EQ(ParseRfc3339("2026-01-06T01:45:00+13:45"), kNoonUtc);
}

TEST(Rfc3339Test, OffsetCrossesDayAndYear) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T01:00:00+02:00"),
            Date::FromYmd(2025, 12, 31).StartMs() + 23 * kMsPerHour);
  EXPECT_EQ(ParseRfc3339("2025-12-31T22:00:00-03:00"),
            Date::FromYmd(2026, 1, 1).StartMs() + kMsPerHour);
}

TEST(Rfc3339Test, AcceptsLowerCaseTAndZ) {
  EXPECT_EQ(ParseRfc3339("2026-01-05t00:00:00z"), kJan5Ms);
  EXPECT_EQ(ParseRfc3339("2026-01-05t00:00:00.250Z"), kJan5Ms + 250);
}

TEST(Rfc3339Test, ParsesDatesBefore1970) {
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:59:59.5+01:00"), -500);
  EXPECT_EQ(ParseRfc3339("1900-01-01T00:00:00Z"), -2208988800000);
}

TEST(Rfc3339Test, RejectsInvalidTimestamps) {
  for (std::string_view text : {
           "",
           "2026-01-05",
           "2026-01-05T21:14:03",         // no offset
           "2026-01-05T21:14:03.123",     // no offset
           "2026-01-05 21:14:03Z",        // space separator
           "2026-01-05T21:14Z",           // no seconds
           "2026-01-05T24:00:00Z",        // hour
           "2026-01-05T23:60:00Z",        // minute
           "2026-01-05T23:59:60Z",        // leap second
           "2026-02-29T00:00:00Z",        // not a leap year
           "2026-13-01T00:00:00Z",        // month
           "2026-01-05T21:14:03.Z",       // empty fraction
           "2026-01-05T21:14:03,123Z",    // comma
           "2026-01-05T21:14:03Zjunk",    // trailing text
           "2026-01-05T21:14:03Z ",       // trailing space
           " 2026-01-05T21:14:03Z",       // leading space
           "2026-01-05T21:14:03+0200",    // offset without colon
           "2026-01-05T21:14:03+02",      // offset without minutes
           "2026-01-05T21:14:03+24:00",   // offset hour
           "2026-01-05T21:14:03+02:60",   // offset minute
           "2026-01-05T21:14:03+02:00Z",  // two offsets
           "2026-01-05T1:14:03Z",         // one-digit hour
           "2026-01-05T21:14:03.12a4Z",   // letter in the fraction
           "2026-01-05T21:14:03UTC",      // zone name
           "+2026-01-05T21:14:03Z",       // signed year
       }) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

TEST(Rfc3339Test, FormatsMillisecondsInUtc) {
  EXPECT_EQ(FormatRfc3339(kJan5Ms + 21 * kMsPerHour + 14 * kMsPerMinute + 3 * kMsPerSecond + 123),
            "2026-01-05T21:14:03.123Z");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(Rfc3339Test, FormatRoundTrips) {
  const std::vector<EpochMs> instants = {
      0, -1, 1, kJan5Ms, kJan5Ms + 7, -86400001, 951782400123, 253402300799999, -62167219200000};
  for (EpochMs ms : instants) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(ms)), ms) << ms;
  }
  for (EpochMs ms = -5000000000000; ms < 5000000000000; ms += 123456789011) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(ms)), ms) << ms;
  }
}

TEST(Rfc3339Test, FormatsYearsOutsideRfc3339Range) {
  EXPECT_EQ(FormatRfc3339(253402300800000), "10000-01-01T00:00:00.000Z");
  EXPECT_FALSE(ParseRfc3339(FormatRfc3339(253402300800000)).has_value());
  // Extreme values give some text without undefined behavior.
  EXPECT_FALSE(FormatRfc3339(std::numeric_limits<EpochMs>::min()).empty());
  EXPECT_FALSE(FormatRfc3339(std::numeric_limits<EpochMs>::max()).empty());
}

TEST(HourOfDayTest, UtcHours) {
  EXPECT_EQ(HourOfDay(kJan5Ms), 0);
  EXPECT_EQ(HourOfDay(kJan5Ms + 21 * kMsPerHour + 59 * kMsPerMinute), 21);
  EXPECT_EQ(HourOfDay(kJan5Ms + kMsPerDay - 1), 23);
  EXPECT_EQ(HourOfDay(-1), 23);
  EXPECT_EQ(HourOfDay(-kMsPerHour), 23);
  EXPECT_EQ(HourOfDay(-kMsPerHour - 1), 22);
  EXPECT_EQ(HourOfDay(std::numeric_limits<EpochMs>::min()),
            HourOfDay(std::numeric_limits<EpochMs>::min() + kMsPerDay));
}

}  // namespace
}  // namespace ash
