#include "domain/format.h"

#include <limits>

#include <gtest/gtest.h>

namespace ash {
namespace {

TEST(FormatDurationTest, UnderMinuteShowsSeconds) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(45), "45s");
  EXPECT_EQ(FormatDuration(59), "59s");
}

TEST(FormatDurationTest, RoundsHalfUpBeforeChoosingForm) {
  EXPECT_EQ(FormatDuration(44.4), "44s");
  EXPECT_EQ(FormatDuration(44.5), "45s");
  EXPECT_EQ(FormatDuration(59.4), "59s");
  EXPECT_EQ(FormatDuration(59.5), "1m 0s");
  EXPECT_EQ(FormatDuration(3599.4), "59m 59s");
  EXPECT_EQ(FormatDuration(3599.5), "1h 0m");
}

TEST(FormatDurationTest, UnderHourShowsMinutesAndSeconds) {
  EXPECT_EQ(FormatDuration(60), "1m 0s");
  EXPECT_EQ(FormatDuration(120), "2m 0s");
  EXPECT_EQ(FormatDuration(165), "2m 45s");
  EXPECT_EQ(FormatDuration(365.46153846153845), "6m 5s");
  EXPECT_EQ(FormatDuration(3599), "59m 59s");
}

TEST(FormatDurationTest, HoursTruncateMinutes) {
  EXPECT_EQ(FormatDuration(3600), "1h 0m");
  EXPECT_EQ(FormatDuration(4980), "1h 23m");
  EXPECT_EQ(FormatDuration(5039), "1h 23m");
  EXPECT_EQ(FormatDuration(5040), "1h 24m");
}

TEST(FormatDurationTest, LargeValues) {
  EXPECT_EQ(FormatDuration(86400), "24h 0m");
  EXPECT_EQ(FormatDuration(7 * 86400 + 59), "168h 0m");
  EXPECT_EQ(FormatDuration(1e12), "277777777h 46m");
  EXPECT_EQ(FormatDuration(1e300), "2562047788015215h 30m");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::infinity()), "2562047788015215h 30m");
}

TEST(FormatDurationTest, NegativeAndNanPrintZero) {
  EXPECT_EQ(FormatDuration(-5), "0s");
  EXPECT_EQ(FormatDuration(-0.4), "0s");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::quiet_NaN()), "0s");
}

TEST(FormatHourRangeTest, EveryHourOfDay) {
  const char* const expected[24] = {
      "12 AM - 1 AM",  "1 AM - 2 AM",   "2 AM - 3 AM",   "3 AM - 4 AM",   "4 AM - 5 AM",
      "5 AM - 6 AM",   "6 AM - 7 AM",   "7 AM - 8 AM",   "8 AM - 9 AM",   "9 AM - 10 AM",
      "10 AM - 11 AM", "11 AM - 12 PM", "12 PM - 1 PM",  "1 PM - 2 PM",   "2 PM - 3 PM",
      "3 PM - 4 PM",   "4 PM - 5 PM",   "5 PM - 6 PM",   "6 PM - 7 PM",   "7 PM - 8 PM",
      "8 PM - 9 PM",   "9 PM - 10 PM",  "10 PM - 11 PM", "11 PM - 12 AM",
  };
  for (int hour = 0; hour < 24; ++hour) {
    EXPECT_EQ(FormatHourRange(hour), expected[hour]) << "hour " << hour;
  }
}

TEST(FormatHourRangeTest, NoonAndMidnightBoundaries) {
  EXPECT_EQ(FormatHourRange(11), "11 AM - 12 PM");
  EXPECT_EQ(FormatHourRange(12), "12 PM - 1 PM");
  EXPECT_EQ(FormatHourRange(23), "11 PM - 12 AM");
  EXPECT_EQ(FormatHourRange(0), "12 AM - 1 AM");
}

TEST(FormatHourRangeTest, OutOfRangeWrapsModulo24) {
  EXPECT_EQ(FormatHourRange(24), "12 AM - 1 AM");
  EXPECT_EQ(FormatHourRange(-1), "11 PM - 12 AM");
}

}  // namespace
}  // namespace ash
