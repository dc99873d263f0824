#include "report/discord_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/fake_discord.h"

namespace ash {
namespace {

using testing::FakeDiscord;
using testing::FakeDiscordResponse;

constexpr char kToken[] = "bot-token-SECRET-1234";
constexpr Snowflake kChannel = 1180000000000000001ULL;

const nlohmann::json kBody = {{"content", "hello"}, {"embeds", nlohmann::json::array()}};

DiscordClient MakeClient(const FakeDiscord& fake) {
  DiscordClientSettings settings;
  settings.api_base_url = fake.api_base_url();
  settings.bot_token = kToken;
  return DiscordClient(settings);
}

TEST(DiscordClientTest, ChannelPostSendsBotAuthAndNonce) {
  FakeDiscord fake;
  fake.RequireBotToken(kToken);
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody, "ash-weekly-2026-01-11");

  ASSERT_TRUE(result.ok()) << result.error().description;
  ASSERT_TRUE(result->message_id.has_value());
  EXPECT_EQ(FormatSnowflake(*result->message_id), fake.messages().at(0).id);
  EXPECT_EQ(result->channel_id, kChannel);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/api/v10/channels/1180000000000000001/messages");
  EXPECT_EQ(requests[0].header("Authorization"), std::string("Bot ") + kToken);
  EXPECT_EQ(requests[0].header("User-Agent"), "DiscordBot (ash-metrics, " ASH_METRICS_VERSION ")");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].json()["nonce"], "ash-weekly-2026-01-11");
  EXPECT_EQ(requests[0].json()["enforce_nonce"], true);
  EXPECT_EQ(requests[0].json()["content"], "hello");
}

TEST(DiscordClientTest, WebhookPostWaitsWithoutAuthOrNonce) {
  FakeDiscord fake;
  fake.SetWebhookChannel("777");
  DiscordClientSettings settings;
  settings.api_base_url = fake.api_base_url();  // no bot token: webhooks need none
  const DiscordClient client(settings);
  const std::string url = fake.WebhookUrl("4242", "webhook-token-SECRET");

  const PostResult result = client.PostMessage(DiscordTarget::Webhook(url), kBody, "ash-weekly-2026-01-11");

  ASSERT_TRUE(result.ok()) << result.error().description;
  EXPECT_TRUE(result->message_id.has_value());
  EXPECT_EQ(result->channel_id, 777u);
  const auto requests = fake.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/api/webhooks/4242/webhook-token-SECRET");
  EXPECT_EQ(requests[0].params.count("wait"), 1u);
  EXPECT_EQ(requests[0].header("Authorization"), "");
  EXPECT_FALSE(requests[0].json().contains("nonce"));
}

TEST(DiscordClientTest, WebhookDescriptionMasksToken) {
  const DiscordTarget target = DiscordTarget::Webhook("https://discord.com/api/webhooks/4242/abc-SECRET?thread_id=9");
  EXPECT_EQ(target.Describe(), "webhook https://discord.com/api/webhooks/4242/***");
  EXPECT_EQ(MaskWebhookUrl("https://example.test/hooks/abc-SECRET"), "https://example.test/***");
  EXPECT_EQ(DiscordTarget::Channel(5).Describe(), "channel 5");
}

TEST(DiscordClientTest, RateLimitReadsRetryAfterFromBody) {
  FakeDiscord fake;
  fake.Enqueue(FakeDiscordResponse::RateLimited(0.5));
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kRateLimited);
  EXPECT_EQ(result.error().http_status, 429);
  EXPECT_DOUBLE_EQ(result.error().retry_after_seconds, 0.5);
  EXPECT_TRUE(result.error().retryable());
}

TEST(DiscordClientTest, RateLimitFallsBackToRetryAfterHeader) {
  FakeDiscord fake;
  FakeDiscordResponse response;
  response.status = 429;
  response.body = "<html>slow down</html>";
  response.headers = {{"Retry-After", "3"}};
  fake.Enqueue(response);
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kRateLimited);
  EXPECT_DOUBLE_EQ(result.error().retry_after_seconds, 3.0);
}

TEST(DiscordClientTest, ServerErrorIsRetryable) {
  FakeDiscord fake;
  fake.Enqueue(FakeDiscordResponse::ServerError(502));
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kServerError);
  EXPECT_EQ(result.error().http_status, 502);
  EXPECT_TRUE(result.error().retryable());
}

TEST(DiscordClientTest, MissingPermissionNamesPermissionsAndChannel) {
  FakeDiscord fake;
  fake.Enqueue(FakeDiscordResponse::MissingPermissions());
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  const PostFailure& failure = result.error();
  EXPECT_EQ(failure.kind, PostFailureKind::kPermanent);
  EXPECT_EQ(failure.http_status, 403);
  EXPECT_EQ(failure.discord_code, 50013);
  EXPECT_EQ(failure.discord_message, "Missing Permissions");
  EXPECT_NE(failure.description.find("View Channel, Send Messages and Embed Links in channel 1180000000000000001"),
            std::string::npos)
      << failure.description;
}

TEST(DiscordClientTest, UnknownChannelNamesChannelSetting) {
  FakeDiscord fake;
  fake.Enqueue(FakeDiscordResponse::UnknownChannel());
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_EQ(result.error().http_status, 404);
  EXPECT_EQ(result.error().discord_code, 10003);
  EXPECT_NE(result.error().description.find("unknown channel 1180000000000000001"), std::string::npos);
  EXPECT_NE(result.error().description.find("BOT_WEEKLY_REPORT_CHANNEL_ID"), std::string::npos);
}

TEST(DiscordClientTest, WrongTokenIsInvalidTokenWithoutEchoingIt) {
  FakeDiscord fake;
  fake.RequireBotToken("the-right-token");
  const DiscordClient client = MakeClient(fake);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_EQ(result.error().http_status, 401);
  EXPECT_NE(result.error().description.find("invalid bot token"), std::string::npos);
  EXPECT_EQ(result.error().description.find(kToken), std::string::npos);
}

TEST(DiscordClientTest, UnknownWebhookHidesWebhookToken) {
  FakeDiscord fake;
  fake.Enqueue(FakeDiscordResponse::UnknownWebhook());
  const DiscordClient client = MakeClient(fake);

  const PostResult result =
      client.PostMessage(DiscordTarget::Webhook(fake.WebhookUrl("4242", "webhook-token-SECRET")), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_NE(result.error().description.find("unknown webhook 4242"), std::string::npos);
  EXPECT_EQ(result.error().description.find("SECRET"), std::string::npos);
}

TEST(DiscordClientTest, ClosedPortIsNetworkError) {
  std::string base_url;
  std::string webhook_url;
  {
    FakeDiscord stopped;  // bound to a loopback port of its own, then closed
    base_url = stopped.api_base_url();
    webhook_url = stopped.WebhookUrl("4242", "webhook-token-SECRET");
  }
  DiscordClientSettings settings;
  settings.api_base_url = base_url;
  settings.bot_token = kToken;
  const DiscordClient client(settings);

  const PostResult result = client.PostMessage(DiscordTarget::Webhook(webhook_url), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kNetworkError);
  EXPECT_EQ(result.error().http_status, 0);
  EXPECT_NE(result.error().description.find("curl:"), std::string::npos) << result.error().description;
  EXPECT_EQ(result.error().description.find("SECRET"), std::string::npos) << result.error().description;
}

TEST(DiscordClientTest, ChannelWithoutTokenFailsBeforeSending) {
  FakeDiscord fake;
  DiscordClientSettings settings;
  settings.api_base_url = fake.api_base_url();
  const DiscordClient client(settings);

  const PostResult result = client.PostMessage(DiscordTarget::Channel(kChannel), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_NE(result.error().description.find("discord_bot_token"), std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

TEST(DiscordClientTest, RejectsNonHttpWebhookUrl) {
  const DiscordClient client(DiscordClientSettings{});

  const PostResult result = client.PostMessage(DiscordTarget::Webhook("file:///etc/passwd"), kBody);

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_NE(result.error().description.find("https://"), std::string::npos);
}

TEST(DiscordClientTest, OtherClientErrorsArePermanent) {
  const PostResult result = ClassifyDiscordResponse(DiscordTarget::Channel(kChannel), 400,
                                                    R"({"code": 50035, "message": "Invalid Form Body"})", std::nullopt);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, PostFailureKind::kPermanent);
  EXPECT_EQ(result.error().discord_code, 50035);
}

TEST(DiscordClientTest, SuccessWithoutIdKeepsChannel) {
  const PostResult result = ClassifyDiscordResponse(DiscordTarget::Channel(kChannel), 200, "not json", std::nullopt);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->message_id.has_value());
  EXPECT_EQ(result->channel_id, kChannel);
}

}  // namespace
}  // namespace ash
