// The retention routes of the HTTP API on the real Ash-Bot v5 database:
// POST /v1/retention/run, GET /v1/storage/stats, POST /v1/users/{id}/forget.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "service_fixture.h"
#include "support/redis_server.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

// A person in the fixture with message history and alerts.
constexpr const char* kFixtureUser = "258877960599111668";

class HttpRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SharedRedis().FlushAll();
    connection_ = SharedRedis().Connect();
    LoadRedisExport(*connection_, TestDataPath("week-2026-01-05.redis.jsonl"));
    InProcessService::Settings settings;
    settings.redis_url = SharedRedis().url();
    service_ = std::make_unique<InProcessService>(settings);
  }

  // Counts the keys other than the event stream, which the service creates
  // on its own schedule after start. One script reads both counts, so the
  // stream cannot appear between them.
  std::int64_t DataKeyCount() {
    return connection_
        ->Command({"EVAL", "return redis.call('DBSIZE') - redis.call('EXISTS', KEYS[1])", "1",
                   "ash:metrics:events"})
        .integer();
  }

  std::unique_ptr<RedisConnection> connection_;
  std::unique_ptr<InProcessService> service_;
};

TEST_F(HttpRetentionTest, RoutesNeedToken) {
  EXPECT_EQ(service_->Client().Post("/v1/retention/run")->status, 401);
  EXPECT_EQ(service_->Client().Get("/v1/storage/stats")->status, 401);
  EXPECT_EQ(service_->Client().Post(std::string("/v1/users/") + kFixtureUser + "/forget")->status, 401);
}

TEST_F(HttpRetentionTest, StorageStatsCountsKeys) {
  auto result = service_->Client().Get("/v1/storage/stats", InProcessService::Auth());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  Json stats = Json::parse(result->body);
  EXPECT_EQ(stats["key_counts"]["alert_records_v5"], 44) << result->body;
  EXPECT_EQ(stats["key_counts"]["message_history"], 30) << result->body;
  EXPECT_EQ(stats["key_counts"]["opt_outs"], 4) << result->body;
}

TEST_F(HttpRetentionTest, DryRunRetentionChangesNothing) {
  const std::int64_t keys_before = DataKeyCount();
  auto result = service_->Client().Post("/v1/retention/run?dry_run=true", InProcessService::Auth(), "",
                                        "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(DataKeyCount(), keys_before);
}

TEST_F(HttpRetentionTest, InvalidDryRunIs400) {
  auto result = service_->Client().Post("/v1/retention/run?dry_run=maybe", InProcessService::Auth(), "",
                                        "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Json::parse(result->body)["error"]["field"], "dry_run");
}

TEST_F(HttpRetentionTest, ForgetUserRemovesHistory) {
  const std::string pattern = std::string("ash:history:*:") + kFixtureUser;
  ASSERT_FALSE(connection_->Command({"KEYS", pattern}).elements().empty());

  auto dry = service_->Client().Post(std::string("/v1/users/") + kFixtureUser + "/forget?dry_run=true",
                                     InProcessService::Auth(), "", "application/json");
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->status, 200) << dry->body;
  EXPECT_FALSE(connection_->Command({"KEYS", pattern}).elements().empty());

  auto real = service_->Client().Post(std::string("/v1/users/") + kFixtureUser + "/forget",
                                      InProcessService::Auth(), "", "application/json");
  ASSERT_TRUE(real);
  EXPECT_EQ(real->status, 200) << real->body;
  EXPECT_TRUE(connection_->Command({"KEYS", pattern}).elements().empty());
}

TEST_F(HttpRetentionTest, DryRunInJsonBodyChangesNothing) {
  const std::int64_t keys_before = DataKeyCount();
  auto forget = service_->Client().Post(std::string("/v1/users/") + kFixtureUser + "/forget",
                                        InProcessService::Auth(), R"({"dry_run": true})", "application/json");
  ASSERT_TRUE(forget);
  EXPECT_EQ(forget->status, 200) << forget->body;
  auto run = service_->Client().Post("/v1/retention/run", InProcessService::Auth(), R"({"dry_run": true})",
                                     "application/json");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 200) << run->body;
  EXPECT_EQ(DataKeyCount(), keys_before);
  EXPECT_FALSE(connection_->Command({"KEYS", std::string("ash:history:*:") + kFixtureUser}).elements().empty());
}

TEST_F(HttpRetentionTest, NonObjectBodyIs400) {
  auto result = service_->Client().Post("/v1/retention/run", InProcessService::Auth(), "[true]", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
}

TEST_F(HttpRetentionTest, ForgetInvalidUserIs400) {
  auto result = service_->Client().Post("/v1/users/not-a-number/forget", InProcessService::Auth(), "",
                                        "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Json::parse(result->body)["error"]["field"], "user_id");
}

}  // namespace
}  // namespace ash::testing
