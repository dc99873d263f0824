// POST /v1/reports/weekly against a local fake Discord API: one message per
// week unless forced, and a clear failure when Discord refuses.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "service_fixture.h"
#include "support/fake_discord.h"
#include "domain/civil_time.h"
#include "support/redis_server.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

constexpr const char* kChannel = "123456789012345678";

class HttpReportPostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SharedRedis().FlushAll();
    discord_.RequireBotToken("fake-bot-token");
    InProcessService::Settings settings;
    settings.redis_url = SharedRedis().url();
    settings.discord_api_base_url = discord_.api_base_url();
    settings.discord_bot_token = "fake-bot-token";
    service_ = std::make_unique<InProcessService>(settings);
  }

  httplib::Result Post(const Json& body) {
    return service_->Client().Post("/v1/reports/weekly", InProcessService::Auth(), body.dump(), "application/json");
  }

  FakeDiscord discord_;
  std::unique_ptr<InProcessService> service_;
};

TEST_F(HttpReportPostTest, PostsOncePerWeek) {
  auto first = Post({{"end", "2026-01-04"}, {"channel_id", kChannel}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_NE(first->body.find("posted"), std::string::npos) << first->body;

  auto second = Post({{"end", "2026-01-04"}, {"channel_id", kChannel}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_NE(second->body.find("already_posted"), std::string::npos) << second->body;

  ASSERT_EQ(discord_.messages().size(), 1u);
  EXPECT_EQ(discord_.messages().front().channel_id, kChannel);
}

TEST_F(HttpReportPostTest, ForcePostsAgain) {
  ASSERT_EQ(Post({{"end", "2026-01-04"}, {"channel_id", kChannel}})->status, 200);
  auto forced = Post({{"end", "2026-01-04"}, {"channel_id", kChannel}, {"force", true}});
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, 200) << forced->body;
  EXPECT_EQ(discord_.messages().size(), 2u);
}

TEST_F(HttpReportPostTest, MissingPermissionIs502WithoutRetry) {
  discord_.Enqueue(FakeDiscordResponse::MissingPermissions());
  auto result = Post({{"end", "2026-01-04"}, {"channel_id", kChannel}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502) << result->body;
  EXPECT_NE(result->body.find(kChannel), std::string::npos) << result->body;
  EXPECT_EQ(discord_.requests().size(), 1u);
  EXPECT_TRUE(discord_.messages().empty());
}

TEST_F(HttpReportPostTest, UnfinishedWeekIs400) {
  // The service's clock is on Wednesday 2026-01-07: that week ends on the 11th.
  auto result = Post({{"end", "2026-01-11"}, {"channel_id", kChannel}, {"force", true}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;
  EXPECT_EQ(Json::parse(result->body)["error"]["field"], "end");
  EXPECT_TRUE(discord_.requests().empty());
  auto connection = SharedRedis().Connect();
  EXPECT_TRUE(connection->Command({"GET", "ash:reports:weekly:2026-01-11"}).is_nil());
}

TEST_F(HttpReportPostTest, InvalidEndIs400) {
  auto result = Post({{"end", "2026-02-30"}, {"channel_id", kChannel}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Json::parse(result->body)["error"]["field"], "end");
  EXPECT_TRUE(discord_.requests().empty());
}

// Two services on one Redis, both at Monday 09:00 UTC (the default
// schedule): the week is posted once.
TEST(ScheduledReportTest, TwoServicesPostOnce) {
  SharedRedis().FlushAll();
  FakeDiscord discord;
  InProcessService::Settings settings;
  settings.redis_url = SharedRedis().url();
  settings.discord_api_base_url = discord.api_base_url();
  settings.discord_bot_token = "fake-bot-token";
  settings.report_channel = 123456789012345678ULL;
  settings.now = *ParseRfc3339("2026-01-12T09:00:30Z");
  settings.consumer_name = "first";
  InProcessService first(settings);
  settings.consumer_name = "second";
  InProcessService second(settings);

  ASSERT_TRUE(WaitUntil([&] { return !discord.messages().empty(); }));
  // Both schedulers tick about every second: give them several more ticks.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(discord.messages().size(), 1u);
  auto connection = SharedRedis().Connect();
  EXPECT_NE(connection->Command({"GET", "ash:reports:weekly:2026-01-11"}).str().find("posted"), std::string::npos);
}

}  // namespace
}  // namespace ash::testing
