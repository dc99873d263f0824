#include "retention/forget_user.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "domain/alert_record.h"
#include "domain/weekly_summary.h"
#include "retention/json_fields.h"
#include "retention_test_util.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using retention_test::At;
using retention_test::DumpAll;
using retention_test::Exists;

const EpochMs kSnapshot = At("2026-01-12T09:30:00Z");
constexpr Snowflake kPerson = 189260346927489776;     // alerts, sessions, follow-ups
constexpr Snowflake kTwoGuilds = 638554132673083218;  // history in two guilds, opt-out
constexpr Snowflake kResponder = 609896068949621439;  // a CRT member who acknowledged alerts

// Every value of the database as text, to search for an id.
std::string AllContent(RedisConnection& redis) {
  std::string content;
  RedisReply keys = redis.Command({"KEYS", "*"});
  for (const RedisReply& key : keys.elements()) {
    content += key.str() + "\n";
    const std::string type = redis.Command({"TYPE", key.str()}).str();
    RedisReply value;
    if (type == "string") value = redis.Command({"GET", key.str()});
    if (type == "zset") value = redis.Command({"ZRANGE", key.str(), "0", "-1"});
    if (type == "list") value = redis.Command({"LRANGE", key.str(), "0", "-1"});
    if (type == "hash") value = redis.Command({"HGETALL", key.str()});
    content += value.str() + "\n";
    for (const RedisReply& item : value.elements()) content += item.str() + "\n";
  }
  return content;
}

// The current version of every v5 alert record.
std::vector<AlertRecord> ReadV5Records(RedisConnection& redis) {
  std::vector<AlertRecord> records;
  RedisReply keys = redis.Command({"KEYS", "ash:metrics:alert:*"});
  for (const RedisReply& key : keys.elements()) {
    RedisReply newest = redis.Command({"ZRANGE", key.str(), "-1", "-1"});
    auto record = ParseV5AlertRecord(newest.elements().at(0).str());
    if (!record.ok()) throw std::runtime_error(record.error());
    records.push_back(*record);
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.alert_id < b.alert_id; });
  return records;
}

class ForgetUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    redis_ = testing::SharedRedis().Connect();
    testing::LoadRedisExport(*redis_, testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  }
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(ForgetUserTest, RemovesEveryTraceOfPerson) {
  const std::string id = FormatSnowflake(kPerson);
  ASSERT_NE(AllContent(*redis_).find(id), std::string::npos);
  auto before = DumpAll(*redis_);

  ForgetUserReport report = ForgetUser(*redis_, kPerson, kSnapshot, false);

  ASSERT_TRUE(report.ok()) << *report.error;
  EXPECT_EQ(AllContent(*redis_).find(id), std::string::npos);
  EXPECT_EQ(report.sessions_removed.size(), 2u);
  EXPECT_EQ(report.alert_records.size(), 4u);
  EXPECT_GT(report.history_entries_removed, 0);
  for (const ErasedAlertFields& record : report.alert_records) {
    EXPECT_TRUE(record.legacy);
    EXPECT_NE(std::find(record.fields.begin(), record.fields.end(), "user_id"), record.fields.end());
  }

  // Others' keys are intact: only the removed keys and the person's alert
  // records differ.
  auto after = DumpAll(*redis_);
  std::set<std::string> removed(report.removed_keys.begin(), report.removed_keys.end());
  std::set<std::string> rewritten;
  for (const auto& record : report.alert_records) rewritten.insert("ash:metrics:alert:" + record.alert_id);
  for (const auto& [key, value] : before) {
    if (removed.count(key)) {
      EXPECT_EQ(after.count(key), 0u) << key;
    } else if (rewritten.count(key)) {
      ASSERT_EQ(after.count(key), 1u) << key;
      EXPECT_NE(after[key], value) << key;
    } else if (after.count(key)) {  // the fixture's short expiries may end during the test
      EXPECT_EQ(after[key], value) << key;
    }
  }
  EXPECT_TRUE(removed.count("ash:optout:" + id) == 0);  // this person never opted out
  EXPECT_TRUE(removed.count("ash:followup:pending:" + id));
}

TEST_F(ForgetUserTest, WeeklyCountsUnchanged) {
  const auto window = WeekWindow::EndingOn(*ParseIsoDate("2026-01-11"));
  auto records_before = ReadV5Records(*redis_);
  WeeklySummary before = SummarizeRecords(records_before, window);

  ASSERT_TRUE(ForgetUser(*redis_, kPerson, kSnapshot, false).ok());

  auto records_after = ReadV5Records(*redis_);
  WeeklySummary after = SummarizeRecords(records_after, window);
  EXPECT_EQ(before.total_alerts, after.total_alerts);
  EXPECT_EQ(before.by_severity, after.by_severity);
  EXPECT_EQ(before.acknowledged_count, after.acknowledged_count);
  EXPECT_EQ(before.avg_acknowledge_seconds, after.avg_acknowledge_seconds);
  EXPECT_EQ(before.median_acknowledge_seconds, after.median_acknowledge_seconds);
  EXPECT_EQ(before.avg_ash_contact_seconds, after.avg_ash_contact_seconds);
  EXPECT_EQ(before.avg_response_seconds, after.avg_response_seconds);
  EXPECT_EQ(before.ash_sessions_total, after.ash_sessions_total);
  EXPECT_EQ(before.ash_manual_count, after.ash_manual_count);
  EXPECT_EQ(before.ash_auto_count, after.ash_auto_count);
  EXPECT_EQ(before.user_optout_count, after.user_optout_count);
  EXPECT_EQ(before.by_day, after.by_day);
  EXPECT_EQ(before.by_hour, after.by_hour);

  ASSERT_EQ(records_before.size(), records_after.size());
  int erased = 0;
  for (size_t i = 0; i < records_before.size(); ++i) {
    if (records_before[i].user_id == kPerson) {
      EXPECT_FALSE(records_after[i].user_id.has_value()) << records_after[i].alert_id;
      ++erased;
    } else {
      EXPECT_EQ(records_before[i].user_id, records_after[i].user_id);
    }
  }
  EXPECT_EQ(erased, 4);
}

TEST_F(ForgetUserTest, HistoryInEveryGuildAndOptOut) {
  const std::string id = FormatSnowflake(kTwoGuilds);
  ForgetUserReport report = ForgetUser(*redis_, kTwoGuilds, kSnapshot, false);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(Exists(*redis_, "ash:history:589172729449939425:" + id));
  EXPECT_FALSE(Exists(*redis_, "ash:history:882804158104340502:" + id));
  EXPECT_FALSE(Exists(*redis_, "ash:optout:" + id));
  EXPECT_EQ(AllContent(*redis_).find(id), std::string::npos);
  EXPECT_NE(RenderForgetUserText(report).find("ash:optout:" + id), std::string::npos);
}

TEST_F(ForgetUserTest, DryRunChangesNothing) {
  auto before = DumpAll(*redis_);
  ForgetUserReport dry = ForgetUser(*redis_, kPerson, kSnapshot, true);
  EXPECT_EQ(before, DumpAll(*redis_));

  ForgetUserReport real = ForgetUser(*redis_, kPerson, kSnapshot, false);
  ASSERT_TRUE(dry.ok());
  ASSERT_TRUE(real.ok());
  nlohmann::json dry_json = ForgetUserToJson(dry);
  nlohmann::json real_json = ForgetUserToJson(real);
  EXPECT_EQ(dry_json["dry_run"], true);
  dry_json.erase("dry_run");
  real_json.erase("dry_run");
  EXPECT_EQ(dry_json, real_json);
  EXPECT_NE(RenderForgetUserText(dry).find("Would remove"), std::string::npos);
}

// A dead letter keeps the event as sent, so the id may be quoted or a bare
// number. A longer number that merely contains the id is someone else.
TEST_F(ForgetUserTest, DeadLettersNamingPersonRemoved) {
  const std::string id = FormatSnowflake(kPerson);
  const std::string stream = "ash:metrics:events:dead";
  for (const std::string& event : {R"({"type":"alert_created","user_id":")" + id + R"("})",
                                   R"({"type":"acknowledged","by":)" + id + "}",
                                   R"({"type":"alert_created","user_id":")" + id + R"(9"})",
                                   std::string(R"({"type":"acknowledged","by":"1"})")}) {
    redis_->Command({"XADD", stream, "*", "event", event, "reason", "invalid"});
  }

  ForgetUserReport dry = ForgetUser(*redis_, kPerson, kSnapshot, true, 3);
  ASSERT_TRUE(dry.ok()) << *dry.error;
  EXPECT_EQ(dry.dead_letters_removed, 2);
  EXPECT_EQ(redis_->Command({"XLEN", stream}).integer(), 4);

  ForgetUserReport real = ForgetUser(*redis_, kPerson, kSnapshot, false, 3);
  ASSERT_TRUE(real.ok()) << *real.error;
  EXPECT_EQ(real.dead_letters_removed, 2);
  EXPECT_EQ(ForgetUserToJson(real)["dead_letters_removed"], 2);
  const RedisReply remaining = redis_->Command({"XRANGE", stream, "-", "+"});
  const std::vector<RedisReply>& entries = remaining.elements();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].elements()[1].elements()[1].str(), R"({"type":"alert_created","user_id":")" + id + R"(9"})");
  EXPECT_EQ(entries[1].elements()[1].elements()[1].str(), R"({"type":"acknowledged","by":"1"})");
}

TEST_F(ForgetUserTest, ResponderCountsFoldedAnonymously) {
  const std::string id = FormatSnowflake(kResponder);
  // A current-layout day next to the v5 ones.
  redis_->Command({"HSET", "ash:metrics:daily:2026-01-13", "total", "3", "responder:" + id, "2",
                   "responder:398781138319979727", "1"});
  redis_->Command({"HSET", "ash:metrics:alert:alert_current", "alert_id", "alert_current", "user_id",
                   "111111111111111111", "acknowledged_by", id, "ash_initiated_by", id, "created_at", "1",
                   "acknowledged_at", "2", "time_to_acknowledge_seconds", "0"});

  ForgetUserReport report = ForgetUser(*redis_, kResponder, kSnapshot, false);

  ASSERT_TRUE(report.ok());
  EXPECT_EQ(AllContent(*redis_).find(id), std::string::npos);
  EXPECT_EQ(redis_->Command({"HGET", "ash:metrics:daily:2026-01-13", "responder:erased"}).str(), "2");
  EXPECT_EQ(redis_->Command({"HGET", "ash:metrics:daily:2026-01-13", "responder:398781138319979727"}).str(), "1");
  EXPECT_EQ(redis_->Command({"HGET", "ash:metrics:alert:alert_current", "acknowledged_at"}).str(), "2");
  EXPECT_EQ(redis_->Command({"HGET", "ash:metrics:alert:alert_current", "user_id"}).str(), "111111111111111111");
  EXPECT_TRUE(redis_->Command({"HGET", "ash:metrics:alert:alert_current", "acknowledged_by"}).is_nil());
  EXPECT_FALSE(report.aggregate_days.empty());

  // v5 aggregates: the count moved to "erased", the others unchanged.
  RedisReply newest = redis_->Command({"ZRANGE", "ash:metrics:daily:2026-01-04", "-1", "-1"});
  auto aggregate = nlohmann::ordered_json::parse(newest.elements().at(0).str());
  EXPECT_EQ(aggregate["top_responders"]["398781138319979727"], 1);
  EXPECT_EQ(aggregate["top_responders"]["erased"], 1);
}

TEST(DumpPythonStyleTest, FixtureMembersRoundTrip) {
  std::ifstream input(testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  std::string line;
  int checked = 0;
  while (std::getline(input, line)) {
    auto entry = nlohmann::json::parse(line);
    if (entry["type"] != "zset" || entry["key"].get<std::string>().find("alert_lookup") != std::string::npos) {
      continue;
    }
    for (const auto& pair : entry["value"]) {
      const std::string member = pair[0].get<std::string>();
      EXPECT_EQ(DumpPythonStyle(nlohmann::ordered_json::parse(member)), member);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace ash
