#include "domain/snowflake.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/event.h"
#include "domain/severity.h"

namespace ash {
namespace {

using nlohmann::json;

constexpr Snowflake kMaxId = 18446744073709551615u;

TEST(SnowflakeTest, ParsesIdsAbove2To53Exactly) {
  EXPECT_EQ(ParseSnowflake("18446744073709551615"), kMaxId);
  EXPECT_EQ(ParseSnowflake("1459737343545318614"), 1459737343545318614u);
  EXPECT_EQ(ParseSnowflake("9007199254740993"), 9007199254740993u);
  EXPECT_EQ(ParseSnowflake("1"), 1u);
  EXPECT_EQ(ParseSnowflake("0"), 0u);
  EXPECT_EQ(ParseSnowflake("00000000000000000042"), 42u);
}

TEST(SnowflakeTest, RejectsOverflow) {
  EXPECT_FALSE(ParseSnowflake("18446744073709551616").has_value());
  EXPECT_FALSE(ParseSnowflake("99999999999999999999").has_value());
  EXPECT_FALSE(ParseSnowflake("100000000000000000000").has_value());
  EXPECT_FALSE(ParseSnowflake("000000000000000000001").has_value());  // 21 digits
}

TEST(SnowflakeTest, RejectsNonDigits) {
  for (std::string_view text : {"", "-1", "+1", " 1", "1 ", "1.0", "1e5", "0x1F", "12a", "１"}) {
    EXPECT_FALSE(ParseSnowflake(text).has_value()) << text;
  }
}

TEST(SnowflakeTest, FormatRoundTrips) {
  for (Snowflake id :
       {Snowflake{1}, Snowflake{9007199254740993u}, Snowflake{1459737343545318614u}, kMaxId}) {
    EXPECT_EQ(ParseSnowflake(FormatSnowflake(id)), id);
  }
  EXPECT_EQ(FormatSnowflake(kMaxId), "18446744073709551615");
}

TEST(SnowflakeFromJsonTest, ReadsNumbersAndStringsExactly) {
  for (std::string_view text :
       {"18446744073709551615", "1459737343545318614", "9007199254740993"}) {
    auto expected = ParseSnowflake(text);
    ASSERT_TRUE(expected.has_value());

    auto from_number = SnowflakeFromJson(json::parse(text));
    ASSERT_TRUE(from_number.ok()) << from_number.error();
    EXPECT_EQ(from_number.value(), *expected);

    auto from_string = SnowflakeFromJson(json(std::string(text)));
    ASSERT_TRUE(from_string.ok()) << from_string.error();
    EXPECT_EQ(from_string.value(), *expected);
  }
}

TEST(SnowflakeFromJsonTest, ReadsSignedIntegerBuiltInCode) {
  auto id = SnowflakeFromJson(json(std::int64_t{123}));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id.value(), 123u);
}

TEST(SnowflakeFromJsonTest, RejectsOverflowNegativeAndFloat) {
  // nlohmann reads an integer above 2^64 - 1 as a double.
  auto overflow = SnowflakeFromJson(json::parse("18446744073709551616"));
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.error().find("floating-point"), std::string::npos) << overflow.error();

  EXPECT_FALSE(SnowflakeFromJson(json("18446744073709551616")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json::parse("-5")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json::parse("1e18")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json::parse("5.0")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json("-5")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json(" 5")).ok());
  EXPECT_FALSE(SnowflakeFromJson(json(true)).ok());
  EXPECT_FALSE(SnowflakeFromJson(json::array()).ok());
  EXPECT_FALSE(SnowflakeFromJson(json(nullptr)).ok());
}

TEST(SnowflakeFromJsonTest, RejectsZero) {
  auto zero = SnowflakeFromJson(json(0u));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().find("never issues id 0"), std::string::npos) << zero.error();
  EXPECT_FALSE(SnowflakeFromJson(json("0")).ok());
}

TEST(SeverityTest, NamesAndParsesCaseInsensitively) {
  EXPECT_EQ(SeverityName(Severity::kLow), "low");
  EXPECT_EQ(SeverityName(Severity::kMedium), "medium");
  EXPECT_EQ(SeverityName(Severity::kHigh), "high");
  EXPECT_EQ(SeverityName(Severity::kCritical), "critical");
  for (Severity severity : kAllSeverities) {
    EXPECT_EQ(ParseSeverity(SeverityName(severity)), severity);
  }
  EXPECT_EQ(ParseSeverity("CRITICAL"), Severity::kCritical);
  EXPECT_EQ(ParseSeverity("Medium"), Severity::kMedium);
  EXPECT_EQ(ParseSeverity("hIgH"), Severity::kHigh);
}

TEST(SeverityTest, RejectsOtherText) {
  for (std::string_view text : {"", "urgent", "low ", " low", "lo", "lowest", "critica1"}) {
    EXPECT_FALSE(ParseSeverity(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace ash
