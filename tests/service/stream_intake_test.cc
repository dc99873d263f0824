#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/alert_reader.h"
#include "storage/keys.h"
#include "service_fixture.h"
#include "support/redis_server.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

const std::string kStream(keys::kEventStream);
const std::string kDead(keys::kDeadLetterStream);
const std::string kGroup(keys::kStreamGroup);

void AddToStream(RedisConnection& connection, const Json& event) {
  connection.Command({"XADD", kStream, "*", "event", event.dump()}).ExpectOk("XADD");
}

std::int64_t Length(RedisConnection& connection, const std::string& stream) {
  return connection.Command({"XLEN", stream}).integer();
}

std::int64_t PendingCount(RedisConnection& connection) {
  const RedisReply reply = connection.Command({"XPENDING", kStream, kGroup});
  if (reply.is_error() || !reply.is_array() || reply.elements().empty()) return -1;
  return reply.elements()[0].integer();
}

// The field values of every dead letter, oldest first.
std::vector<std::map<std::string, std::string>> DeadLetters(RedisConnection& connection) {
  std::vector<std::map<std::string, std::string>> letters;
  const RedisReply reply = connection.Command({"XRANGE", kDead, "-", "+"});
  for (const RedisReply& entry : reply.elements()) {
    std::map<std::string, std::string> fields;
    const auto& pairs = entry.elements()[1].elements();
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) fields[pairs[i].str()] = pairs[i + 1].str();
    letters.push_back(fields);
  }
  return letters;
}

class StreamIntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SharedRedis().FlushAll();
    connection_ = SharedRedis().Connect();
  }

  std::unique_ptr<InProcessService> Start(std::chrono::milliseconds claim_idle = std::chrono::milliseconds(60000)) {
    InProcessService::Settings settings;
    settings.redis_url = SharedRedis().url();
    settings.claim_idle = claim_idle;
    return std::make_unique<InProcessService>(settings);
  }

  bool Drained() { return Length(*connection_, kStream) == 0 && PendingCount(*connection_) == 0; }

  std::unique_ptr<RedisConnection> connection_;
};

TEST_F(StreamIntakeTest, AppliesAndDeletesEntries) {
  for (int i = 0; i < 50; ++i) {
    const std::string id = "s" + std::to_string(i);
    AddToStream(*connection_, AlertCreated(id, 7000 + static_cast<std::uint64_t>(i)));
    AddToStream(*connection_, Acknowledged(id, "400000000000000001"));
  }
  auto service = Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }));

  for (int i = 0; i < 50; ++i) {
    const auto record = ReadAlert(*connection_, "s" + std::to_string(i));
    ASSERT_TRUE(record.has_value()) << i;
    EXPECT_EQ(record->acknowledged_by, 400000000000000001u);
  }
  EXPECT_EQ(Length(*connection_, kDead), 0);
  const std::string metrics = service->Client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("ash_metrics_events_applied_total{source=\"stream\",type=\"acknowledged\",result=\"applied\"} 50"),
            std::string::npos)
      << metrics;
}

TEST_F(StreamIntakeTest, EventWithoutTimeGetsReceiveTime) {
  auto service = Start();
  Json created = AlertCreated("t1", 8001);
  created.erase("at");
  AddToStream(*connection_, created);
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }));
  const auto record = ReadAlert(*connection_, "t1");
  ASSERT_TRUE(record.has_value());
  // The entry was added in real time, after the test clock's instant, so the
  // clock's time is used: an event is never dated after its receipt.
  EXPECT_EQ(record->created_at, kTestNow);
}

TEST_F(StreamIntakeTest, EventsThatCannotApplyAreDeadLettered) {
  auto service = Start();
  Json invalid = AlertCreated("d1", 9001);
  invalid["severity"] = "urgent";
  AddToStream(*connection_, invalid);
  connection_->Command({"XADD", kStream, "*", "payload", "{}"}).ExpectOk("XADD");
  AddToStream(*connection_, Acknowledged("never-created", "400000000000000001"));
  AddToStream(*connection_, AlertCreated("d2", 9002));

  ASSERT_TRUE(WaitUntil([&] { return Drained() && Length(*connection_, kDead) == 3; }));
  const auto letters = DeadLetters(*connection_);
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_EQ(letters[0].at("reason"), "invalid");
  EXPECT_EQ(letters[0].at("field"), "severity");
  EXPECT_EQ(Json::parse(letters[0].at("event"))["alert_id"], "d1");
  EXPECT_EQ(letters[0].at("source").rfind("stream:", 0), 0u);
  EXPECT_EQ(letters[1].at("reason"), "missing_event_field");
  EXPECT_EQ(letters[2].at("reason"), "unknown_alert");
  EXPECT_FALSE(letters[2].at("error").empty());
  EXPECT_TRUE(ReadAlert(*connection_, "d2").has_value()) << "a dead letter does not block the entries after it";
}

TEST_F(StreamIntakeTest, ClaimsEntriesOfDeadConsumer) {
  // A consumer reads entries and dies before acknowledging them.
  connection_->Command({"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"}).ExpectOk("XGROUP");
  for (int i = 0; i < 5; ++i) {
    AddToStream(*connection_, AlertCreated("c" + std::to_string(i), 6000 + static_cast<std::uint64_t>(i)));
  }
  const RedisReply read =
      connection_->Command({"XREADGROUP", "GROUP", kGroup, "crashed-consumer", "COUNT", "10", "STREAMS", kStream, ">"});
  ASSERT_TRUE(read.is_array());
  ASSERT_EQ(PendingCount(*connection_), 5);

  auto service = Start(std::chrono::milliseconds(200));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(ReadAlert(*connection_, "c" + std::to_string(i)).has_value()) << i;
}

TEST_F(StreamIntakeTest, OwnPendingEntriesReadAtStart) {
  // Entries delivered to this consumer name before a crash are handled at
  // start, without waiting for the claim timeout.
  connection_->Command({"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"}).ExpectOk("XGROUP");
  AddToStream(*connection_, AlertCreated("p1", 6101));
  connection_->Command({"XREADGROUP", "GROUP", kGroup, "test-consumer", "COUNT", "10", "STREAMS", kStream, ">"});
  ASSERT_EQ(PendingCount(*connection_), 1);

  auto service = Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }));
  EXPECT_TRUE(ReadAlert(*connection_, "p1").has_value());
}

}  // namespace
}  // namespace ash::testing
