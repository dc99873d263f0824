#include "domain/alert_record.h"

#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ash {
namespace {

using nlohmann::json;

// The current member of ash:metrics:alert:alert_4b04970365d2 in
// tests/data/week-2026-01-05.redis.jsonl: every step recorded, by a member.
constexpr std::string_view kManualRecord =
    R"({"alert_id": "alert_4b04970365d2", "alert_message_id": 1458225587706662240, )"
    R"("user_id": 1395643496800717118, "channel_id": 652367420041863082, "severity": "critical", )"
    R"("channel_sensitivity": 1.0, "alert_created_at": "2026-01-06T22:27:52.630937Z", )"
    R"("acknowledged_at": "2026-01-06T22:30:16.000205Z", )"
    R"("ash_contacted_at": "2026-01-06T22:28:05.621685Z", )"
    R"("first_response_at": "2026-01-06T22:46:30.579221Z", "resolved_at": null, )"
    R"("acknowledged_by": 483551649178725412, "ash_initiated_by": "483551649178725412", )"
    R"("first_responder_id": 483551649178725412, "time_to_acknowledge_seconds": 143, )"
    R"("time_to_ash_seconds": 12, "time_to_response_seconds": 1117, )"
    R"("was_auto_initiated": false, "user_opted_out": true})";

// The current member of ash:metrics:alert:alert_327a334ef94d: Ash contacted
// automatically, never acknowledged.
constexpr std::string_view kAutoRecord =
    R"({"alert_id": "alert_327a334ef94d", "alert_message_id": 1458611479527438599, )"
    R"("user_id": 442127494632834743, "channel_id": 904335307683536254, "severity": "medium", )"
    R"("channel_sensitivity": 1.0, "alert_created_at": "2026-01-08T00:01:16.410497Z", )"
    R"("acknowledged_at": null, "ash_contacted_at": "2026-01-08T00:04:24.448321Z", )"
    R"("first_response_at": "2026-01-08T00:27:42.289124Z", "resolved_at": null, )"
    R"("acknowledged_by": null, "ash_initiated_by": "auto", )"
    R"("first_responder_id": 483551649178725412, "time_to_acknowledge_seconds": null, )"
    R"("time_to_ash_seconds": 188, "time_to_response_seconds": 1585, )"
    R"("was_auto_initiated": true, "user_opted_out": false})";

AlertRecord ParseValid(std::string_view text) {
  auto record = ParseV5AlertRecord(text);
  EXPECT_TRUE(record.ok()) << text << " -> " << record.error();
  return record.ok() ? record.value() : AlertRecord{};
}

std::string ParseInvalid(const json& document) {
  auto record = ParseV5AlertRecord(document.dump());
  EXPECT_FALSE(record.ok()) << document.dump();
  return record.ok() ? std::string() : record.error();
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

TEST(ElapsedSecondsTest, FloorsAndClampsAtZero) {
  EXPECT_EQ(ElapsedSeconds(1000, 1000), 0);
  EXPECT_EQ(ElapsedSeconds(1000, 1999), 0);
  EXPECT_EQ(ElapsedSeconds(1000, 2000), 1);
  EXPECT_EQ(ElapsedSeconds(1767738472630, 1767738616000), 143);
  EXPECT_EQ(ElapsedSeconds(2000, 1000), 0);
  EXPECT_EQ(ElapsedSeconds(-1500, -1), 1);
  EXPECT_EQ(ElapsedSeconds(-1, 0), 0);
  EXPECT_EQ(
      ElapsedSeconds(std::numeric_limits<EpochMs>::min(), std::numeric_limits<EpochMs>::max()),
      std::numeric_limits<std::int64_t>::max() / 1000 * 2 + 1);
}

TEST(ParseV5AlertRecordTest, ManualRecordFields) {
  AlertRecord record = ParseValid(kManualRecord);
  EXPECT_EQ(record.alert_id, "alert_4b04970365d2");
  EXPECT_EQ(record.alert_message_id, 1458225587706662240u);
  EXPECT_EQ(record.user_id, 1395643496800717118u);
  EXPECT_EQ(record.channel_id, 652367420041863082u);
  EXPECT_FALSE(record.guild_id.has_value());
  EXPECT_EQ(record.severity, Severity::kCritical);
  EXPECT_DOUBLE_EQ(record.channel_sensitivity, 1.0);

  // Microseconds are truncated: .630937 -> 630 ms, .000205 -> 0 ms.
  EXPECT_EQ(record.created_at, 1767738472630);
  EXPECT_EQ(record.acknowledged_at, 1767738616000);
  EXPECT_EQ(record.ash_contacted_at, 1767738485621);
  EXPECT_EQ(record.first_response_at, 1767739590579);
  EXPECT_FALSE(record.resolved_at.has_value());
  EXPECT_FALSE(record.user_opted_out_at.has_value());

  EXPECT_EQ(record.acknowledged_by, 483551649178725412u);
  EXPECT_EQ(record.ash_initiated_by, "483551649178725412");
  EXPECT_EQ(record.first_responder_id, 483551649178725412u);
  EXPECT_FALSE(record.resolved_by.has_value());

  EXPECT_EQ(record.time_to_acknowledge_seconds, 143);
  EXPECT_EQ(record.time_to_ash_seconds, 12);
  EXPECT_EQ(record.time_to_response_seconds, 1117);
  EXPECT_FALSE(record.time_to_resolve_seconds.has_value());

  EXPECT_FALSE(record.was_auto_initiated);
  EXPECT_TRUE(record.user_opted_out);
  EXPECT_TRUE(record.legacy);
}

TEST(ParseV5AlertRecordTest, AutoRecordFields) {
  AlertRecord record = ParseValid(kAutoRecord);
  EXPECT_EQ(record.alert_id, "alert_327a334ef94d");
  EXPECT_EQ(record.alert_message_id, 1458611479527438599u);
  EXPECT_EQ(record.severity, Severity::kMedium);
  EXPECT_EQ(record.created_at, 1767830476410);
  EXPECT_FALSE(record.acknowledged_at.has_value());
  EXPECT_EQ(record.ash_contacted_at, 1767830664448);
  EXPECT_EQ(record.first_response_at, 1767832062289);
  EXPECT_FALSE(record.acknowledged_by.has_value());
  EXPECT_EQ(record.ash_initiated_by, "auto");
  EXPECT_FALSE(record.time_to_acknowledge_seconds.has_value());
  EXPECT_EQ(record.time_to_ash_seconds, 188);
  EXPECT_EQ(record.time_to_response_seconds, 1585);
  EXPECT_TRUE(record.was_auto_initiated);
  EXPECT_FALSE(record.user_opted_out);
}

TEST(ParseV5AlertRecordTest, TimestampWithoutFraction) {
  json document = json::parse(kManualRecord);
  document["alert_created_at"] = "2026-01-06T22:27:52Z";
  document["acknowledged_at"] = "2026-01-06T22:30:16+00:00";
  AlertRecord record = ParseValid(document.dump());
  EXPECT_EQ(record.created_at, 1767738472000);
  EXPECT_EQ(record.acknowledged_at, 1767738616000);
  EXPECT_EQ(record.time_to_acknowledge_seconds, 143);
}

TEST(ParseV5AlertRecordTest, ComputesNullDurationsFromTimestamps) {
  json document = json::parse(kManualRecord);
  document["time_to_acknowledge_seconds"] = nullptr;
  document["time_to_ash_seconds"] = nullptr;
  document.erase("time_to_response_seconds");
  document["resolved_at"] = "2026-01-06T23:27:52.630Z";
  AlertRecord record = ParseValid(document.dump());
  EXPECT_EQ(record.time_to_acknowledge_seconds, 143);
  EXPECT_EQ(record.time_to_ash_seconds, 12);
  EXPECT_EQ(record.time_to_response_seconds, 1117);
  EXPECT_EQ(record.resolved_at, 1767738472630 + kMsPerHour);
  EXPECT_EQ(record.time_to_resolve_seconds, 3600);
}

TEST(ParseV5AlertRecordTest, KeepsStoredDurations) {
  json document = json::parse(kManualRecord);
  document["time_to_acknowledge_seconds"] = 150;
  EXPECT_EQ(ParseValid(document.dump()).time_to_acknowledge_seconds, 150);
}

TEST(ParseV5AlertRecordTest, ErasedUserAndOptionalFields) {
  json document = json::parse(kAutoRecord);
  document["user_id"] = nullptr;
  document.erase("channel_sensitivity");
  document.erase("was_auto_initiated");
  document["guild_id"] = "1384522137744920636";
  AlertRecord record = ParseValid(document.dump());
  EXPECT_FALSE(record.user_id.has_value());
  EXPECT_DOUBLE_EQ(record.channel_sensitivity, 1.0);
  EXPECT_FALSE(record.was_auto_initiated);
  EXPECT_EQ(record.guild_id, 1384522137744920636u);
}

TEST(ParseV5AlertRecordTest, MalformedRecordsNameTheField) {
  struct Case {
    std::string field;
    json value;  // nullptr with remove = true erases the field
    bool remove;
  };
  const std::vector<Case> cases = {
      {"alert_id", nullptr, true},
      {"alert_id", 5, false},
      {"alert_id", "alert id", false},
      {"alert_message_id", nullptr, true},
      {"alert_message_id", 1.4582255877066622e18, false},
      {"alert_message_id", -1, false},
      {"user_id", "abc", false},
      {"channel_id", nullptr, true},
      {"severity", nullptr, true},
      {"severity", "urgent", false},
      {"channel_sensitivity", "1.0", false},
      {"alert_created_at", nullptr, true},
      {"alert_created_at", "2026-01-06 22:27:52Z", false},
      {"alert_created_at", 1767738472, false},
      {"acknowledged_at", "2026-01-06T22:30:16.000205", false},
      {"ash_contacted_at", "yesterday", false},
      {"first_response_at", true, false},
      {"resolved_at", "2026-02-30T00:00:00Z", false},
      {"acknowledged_by", "x", false},
      {"ash_initiated_by", "AUTO", false},
      {"ash_initiated_by", 0, false},
      {"first_responder_id", json::object(), false},
      {"time_to_acknowledge_seconds", -1, false},
      {"time_to_ash_seconds", 12.5, false},
      {"time_to_response_seconds", "1117", false},
      {"time_to_response_seconds", 18446744073709551615u, false},
      {"was_auto_initiated", 1, false},
      {"user_opted_out", "true", false},
  };

  for (const auto& test_case : cases) {
    json document = json::parse(kManualRecord);
    if (test_case.remove) {
      document.erase(test_case.field);
    } else {
      document[test_case.field] = test_case.value;
    }
    std::string error = ParseInvalid(document);
    EXPECT_TRUE(StartsWith(error, test_case.field + ": ")) << error;
  }
}

TEST(ParseV5AlertRecordTest, MalformedJsonAndNonObjects) {
  for (std::string_view text : {"", "{", "[1, 2]", "null", "\"alert\"", "{\"alert_id\": \"a\",}",
                                "{\"alert_id\": \"a\", \"user_id\": 48355e649178725412}"}) {
    auto record = ParseV5AlertRecord(text);
    EXPECT_FALSE(record.ok()) << text;
  }
  auto truncated = ParseV5AlertRecord(kManualRecord.substr(0, 50));
  ASSERT_FALSE(truncated.ok());
  EXPECT_TRUE(StartsWith(truncated.error(), "invalid JSON")) << truncated.error();
}

// Every current record of the fixture parses, and recomputing each duration
// from the millisecond timestamps gives the stored whole seconds.
TEST(ParseV5AlertRecordTest, AllFixtureRecordsParse) {
  std::ifstream input(std::string(ASH_SOURCE_DIR) + "/tests/data/week-2026-01-05.redis.jsonl");
  ASSERT_TRUE(input.is_open());

  int records = 0;
  std::string line;
  while (std::getline(input, line)) {
    json entry = json::parse(line);
    if (!StartsWith(entry["key"].get<std::string>(), "ash:metrics:alert:")) continue;

    const json* newest = nullptr;
    for (const json& member : entry["value"]) {
      if (newest == nullptr || member[1].get<double>() > (*newest)[1].get<double>())
        newest = &member;
    }
    ASSERT_NE(newest, nullptr);
    AlertRecord record = ParseValid((*newest)[0].get<std::string>());
    ++records;

    auto recomputed = [&record](const std::optional<EpochMs>& at) -> std::optional<std::int64_t> {
      if (!at) return std::nullopt;
      return ElapsedSeconds(record.created_at, *at);
    };
    EXPECT_EQ(record.time_to_acknowledge_seconds, recomputed(record.acknowledged_at))
        << record.alert_id;
    EXPECT_EQ(record.time_to_ash_seconds, recomputed(record.ash_contacted_at)) << record.alert_id;
    EXPECT_EQ(record.time_to_response_seconds, recomputed(record.first_response_at))
        << record.alert_id;
    EXPECT_GT(record.alert_message_id, 9007199254740992u) << record.alert_id;
  }
  EXPECT_EQ(records, 44);
}

}  // namespace
}  // namespace ash
