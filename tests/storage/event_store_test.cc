#include "storage/event_store.h"

#include <gtest/gtest.h>

#include "domain/civil_time.h"
#include "storage/alert_reader.h"
#include "storage/keys.h"
#include "support/redis_server.h"

namespace ash {
namespace {

const EpochMs kCreated = *ParseRfc3339("2026-01-05T21:14:03.123Z");

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    connection_ = testing::SharedRedis().Connect();
    store_ = std::make_unique<EventStore>(*connection_, StoreSettings{});
  }

  ApplyResult Apply(const std::string& json, EpochMs received = kCreated + kMsPerHour) {
    auto event = ParseEvent(json);
    EXPECT_TRUE(event.ok()) << json;
    return store_->Apply(*event, received);
  }

  ApplyResult CreateAlert(const std::string& id = "alert_a", const std::string& message_id = "1459737343545318614") {
    return Apply(R"({"type":"alert_created","alert_id":")" + id + R"(","alert_message_id":")" + message_id +
                 R"(","user_id":"258877960599111668","channel_id":"652367420041863082","severity":"HIGH",)"
                 R"("at":"2026-01-05T21:14:03.123Z"})");
  }

  std::string Field(const std::string& key, const std::string& field) {
    return connection_->Command({"HGET", key, field}).str();
  }

  std::unique_ptr<RedisConnection> connection_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, CreateWritesRecordLookupIndexAndDaily) {
  ApplyResult result = CreateAlert();
  EXPECT_EQ(result.status, ApplyStatus::kApplied);
  EXPECT_EQ(result.alert_id, "alert_a");

  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "severity"), "high");
  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "user_id"), "258877960599111668");
  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "created_at"), std::to_string(kCreated));
  EXPECT_EQ(connection_->Command({"GET", "ash:metrics:alert_lookup:1459737343545318614"}).str(), "alert_a");
  EXPECT_EQ(connection_->Command({"ZSCORE", "ash:metrics:index:created", "alert_a"}).str(), std::to_string(kCreated));
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "total"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "severity:high"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "hour:21"), "1");
}

TEST_F(EventStoreTest, ExpiryCountsFromCreationByCallerClock) {
  CreateAlert();
  const std::int64_t ttl = connection_->Command({"PTTL", "ash:metrics:alert:alert_a"}).integer();
  const EpochMs expected = kCreated + 90 * kMsPerDay - (kCreated + kMsPerHour);
  EXPECT_LE(ttl, expected);
  EXPECT_GT(ttl, expected - 60 * kMsPerSecond);
  EXPECT_GT(connection_->Command({"PTTL", "ash:metrics:daily:2026-01-05"}).integer(), 365 * kMsPerDay);
}

TEST_F(EventStoreTest, RepeatedCreateIsDuplicateAndCountsOnce) {
  CreateAlert();
  ApplyResult again = CreateAlert();
  EXPECT_EQ(again.status, ApplyStatus::kDuplicate);
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "total"), "1");
}

TEST_F(EventStoreTest, CreateWithTakenMessageIdIsRejected) {
  CreateAlert("alert_a", "1459737343545318614");
  ApplyResult other = CreateAlert("alert_b", "1459737343545318614");
  EXPECT_EQ(other.status, ApplyStatus::kInvalid);
  ASSERT_TRUE(other.error);
  EXPECT_EQ(other.error->field, "alert_message_id");
  EXPECT_EQ(connection_->Command({"EXISTS", "ash:metrics:alert:alert_b"}).integer(), 0);
}

TEST_F(EventStoreTest, FirstAcknowledgmentWins) {
  CreateAlert();
  ApplyResult first = Apply(R"({"type":"acknowledged","alert_id":"alert_a","by":"398781138319979727",)"
                            R"("at":"2026-01-05T21:16:48.999Z"})");
  ApplyResult second = Apply(R"({"type":"acknowledged","alert_id":"alert_a","by":"483551649178725412",)"
                             R"("at":"2026-01-05T21:17:00Z"})");
  EXPECT_EQ(first.status, ApplyStatus::kApplied);
  EXPECT_EQ(second.status, ApplyStatus::kAlreadyRecorded);
  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "acknowledged_by"), "398781138319979727");
  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "time_to_acknowledge_seconds"), "165");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "acknowledge:count"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "acknowledge:sum"), "165");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "responder:398781138319979727"), "1");
}

TEST_F(EventStoreTest, EachStepRecordsItsDuration) {
  CreateAlert();
  EXPECT_EQ(Apply(R"({"type":"ash_contacted","alert_id":"alert_a","initiated_by":"auto",)"
                  R"("at":"2026-01-05T21:17:03.123Z"})").status,
            ApplyStatus::kApplied);
  EXPECT_EQ(Apply(R"({"type":"first_response","alert_id":"alert_a","responder_id":"609896068949621439",)"
                  R"("at":"2026-01-05T21:24:03.122Z"})").status,
            ApplyStatus::kApplied);
  EXPECT_EQ(Apply(R"({"type":"resolved","alert_id":"alert_a","at":"2026-01-05T22:14:03.123Z"})").status,
            ApplyStatus::kApplied);
  EXPECT_EQ(Apply(R"({"type":"user_opted_out","alert_id":"alert_a","at":"2026-01-05T21:20:00Z"})").status,
            ApplyStatus::kApplied);
  EXPECT_EQ(Apply(R"({"type":"user_opted_out","alert_id":"alert_a","at":"2026-01-05T21:21:00Z"})").status,
            ApplyStatus::kAlreadyRecorded);

  auto record = ReadAlert(*connection_, "alert_a");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->time_to_ash_seconds, 180);
  EXPECT_TRUE(record->was_auto_initiated);
  EXPECT_EQ(record->ash_initiated_by, "auto");
  EXPECT_EQ(record->time_to_response_seconds, 599);  // 599.999 s floors to 599
  EXPECT_EQ(record->time_to_resolve_seconds, 3600);
  EXPECT_TRUE(record->user_opted_out);
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "ash:auto"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "opted_out"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-05", "resolve:max"), "3600");
}

TEST_F(EventStoreTest, LookupByMessageIdFindsAlert) {
  CreateAlert();
  ApplyResult result = Apply(R"({"type":"acknowledged","alert_message_id":1459737343545318614,)"
                             R"("by":"398781138319979727","at":"2026-01-05T21:16:03.123Z"})");
  EXPECT_EQ(result.status, ApplyStatus::kApplied);
  EXPECT_EQ(result.alert_id, "alert_a");
}

TEST_F(EventStoreTest, UnknownAlertWritesNothing) {
  ApplyResult by_id = Apply(R"({"type":"acknowledged","alert_id":"alert_missing","by":"398781138319979727"})");
  ApplyResult by_message = Apply(R"({"type":"resolved","alert_message_id":"1459737343545318999"})");
  EXPECT_EQ(by_id.status, ApplyStatus::kUnknownAlert);
  EXPECT_EQ(by_message.status, ApplyStatus::kUnknownAlert);
  ASSERT_TRUE(by_id.error.has_value());
  EXPECT_EQ(by_id.error->field, "alert_id");
  ASSERT_TRUE(by_message.error.has_value());
  EXPECT_EQ(by_message.error->field, "alert_message_id");
  EXPECT_EQ(connection_->Command({"DBSIZE"}).integer(), 0);
}

TEST_F(EventStoreTest, EventBeforeCreationCountsZeroAndFlagsSkew) {
  CreateAlert();
  ApplyResult result = Apply(R"({"type":"acknowledged","alert_id":"alert_a","by":"398781138319979727",)"
                             R"("at":"2026-01-05T21:14:00Z"})");
  EXPECT_EQ(result.status, ApplyStatus::kApplied);
  EXPECT_TRUE(result.clock_skew);
  EXPECT_EQ(Field("ash:metrics:alert:alert_a", "time_to_acknowledge_seconds"), "0");
}

TEST_F(EventStoreTest, FutureEventIsRejectedBeforeRedis) {
  CreateAlert();
  const EpochMs received = kCreated + kMsPerMinute;
  ApplyResult at_limit = Apply(R"({"type":"acknowledged","alert_id":"alert_a","by":"1",)"
                               R"("at":"2026-01-05T21:20:03.123Z"})",
                               received);
  ApplyResult too_far = Apply(R"({"type":"resolved","alert_id":"alert_a","at":"2026-01-05T21:20:03.124Z"})",
                              received);
  EXPECT_EQ(at_limit.status, ApplyStatus::kApplied);
  EXPECT_EQ(too_far.status, ApplyStatus::kInvalid);
  ASSERT_TRUE(too_far.error);
  EXPECT_EQ(too_far.error->field, "at");
  EXPECT_EQ(connection_->Command({"HEXISTS", "ash:metrics:alert:alert_a", "resolved_at"}).integer(), 0);
}

TEST_F(EventStoreTest, CreateOlderThanRetentionIsRejected) {
  auto event = ParseEvent(R"({"type":"alert_created","alert_id":"alert_old","alert_message_id":"5",)"
                          R"("user_id":"6","channel_id":"7","severity":"low","at":"2025-01-01T00:00:00Z"})");
  ASSERT_TRUE(event.ok());
  ApplyResult result = store_->Apply(*event, kCreated);
  EXPECT_EQ(result.status, ApplyStatus::kInvalid);
  EXPECT_EQ(connection_->Command({"DBSIZE"}).integer(), 0);
}

TEST_F(EventStoreTest, RepeatedEventIdIsDuplicate) {
  CreateAlert();
  const std::string ack = R"({"type":"acknowledged","alert_id":"alert_a","by":"398781138319979727",)"
                          R"("event_id":"retry-1","at":"2026-01-05T21:16:03.123Z"})";
  EXPECT_EQ(Apply(ack).status, ApplyStatus::kApplied);
  EXPECT_EQ(Apply(ack).status, ApplyStatus::kDuplicate);
}

TEST_F(EventStoreTest, BatchAppliesInOrder) {
  std::vector<Event> events;
  for (const char* json :
       {R"({"type":"alert_created","alert_id":"alert_b","alert_message_id":"11","user_id":"12","channel_id":"13",)"
        R"("severity":"low","at":"2026-01-05T10:00:00Z"})",
        R"({"type":"acknowledged","alert_message_id":"11","by":"14","at":"2026-01-05T10:01:00Z"})",
        R"({"type":"acknowledged","alert_id":"alert_b","by":"15","at":"2026-01-05T10:02:00Z"})"}) {
    events.push_back(*ParseEvent(json));
  }
  std::vector<ApplyResult> results = store_->ApplyBatch(events, kCreated);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status, ApplyStatus::kApplied);
  EXPECT_EQ(results[1].status, ApplyStatus::kApplied);
  EXPECT_EQ(results[2].status, ApplyStatus::kAlreadyRecorded);
}

TEST_F(EventStoreTest, EventOnV5RecordConvertsItFirst) {
  testing::LoadRedisExport(*connection_, testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  const EpochMs snapshot = *ParseRfc3339("2026-01-12T09:30:00Z");
  // alert_15299783be01 has an acknowledgment and a first response in v5, and no resolution.
  auto event = ParseEvent(R"({"type":"resolved","alert_id":"alert_15299783be01","at":"2026-01-12T09:00:00Z"})");
  ApplyResult result = store_->Apply(*event, snapshot);
  EXPECT_EQ(result.status, ApplyStatus::kApplied);
  EXPECT_EQ(connection_->Command({"TYPE", "ash:metrics:alert:alert_15299783be01"}).str(), "hash");
  auto record = ReadAlert(*connection_, "alert_15299783be01");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->time_to_acknowledge_seconds, 112);
  EXPECT_EQ(record->time_to_response_seconds, 294);
  EXPECT_EQ(record->acknowledged_by, 609896068949621439ULL);
  EXPECT_TRUE(record->resolved_at);
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-11", "total"), "1");
  EXPECT_EQ(Field("ash:metrics:daily:2026-01-11", "resolve:count"), "1");
}

}  // namespace
}  // namespace ash
