#include "report/report_poster.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "domain/alert_record.h"
#include "domain/civil_time.h"
#include "storage/alert_hash.h"
#include "storage/keys.h"
#include "support/fake_discord.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using std::chrono::milliseconds;
using testing::FakeDiscord;
using testing::FakeDiscordResponse;

constexpr char kToken[] = "bot-token-SECRET-1234";
constexpr Snowflake kChannel = 1180000000000000001ULL;

// Monday 2026-01-12 09:00 UTC posts the week of 2026-01-05 .. 2026-01-11.
const Date kWeekEnd = Date::FromYmd(2026, 1, 11);
const EpochMs kPostTime = Date::FromYmd(2026, 1, 12).StartMs() + 9 * kMsPerHour;

// Writes an alert in the current hash layout and indexes it by creation time.
void SeedAlert(RedisConnection& connection, const std::string& alert_id, EpochMs created_at, Severity severity,
               std::optional<std::int64_t> acknowledge_seconds, Snowflake responder) {
  AlertRecord record;
  record.alert_id = alert_id;
  record.alert_message_id = 1190000000000000000ULL + static_cast<Snowflake>(created_at % 100000);
  record.user_id = 1170000000000000001ULL;
  record.channel_id = 1160000000000000001ULL;
  record.severity = severity;
  record.created_at = created_at;
  if (acknowledge_seconds) {
    record.acknowledged_at = created_at + *acknowledge_seconds * kMsPerSecond;
    record.acknowledged_by = responder;
    record.time_to_acknowledge_seconds = acknowledge_seconds;
  }
  RedisCommand hset = {"HSET", keys::Alert(alert_id)};
  for (const auto& [field, value] : AlertRecordToHash(record)) {
    hset.push_back(field);
    hset.push_back(value);
  }
  connection.Command(hset).ExpectOk("HSET alert");
  connection.Command({"ZADD", std::string(keys::kCreatedIndex), std::to_string(created_at), alert_id})
      .ExpectOk("ZADD index");
}

void SeedWeek(RedisConnection& connection) {
  const EpochMs monday = Date::FromYmd(2026, 1, 5).StartMs();
  SeedAlert(connection, "alert-1", monday + 22 * kMsPerHour, Severity::kHigh, 165, 1150000000000000001ULL);
  SeedAlert(connection, "alert-2", monday + kMsPerDay + 3 * kMsPerHour, Severity::kMedium, 40,
            1150000000000000002ULL);
  SeedAlert(connection, "alert-3", monday + 2 * kMsPerDay, Severity::kLow, std::nullopt, 0);
}

// Replaces the default logger with one that keeps every line, for checks
// of what the code logs.
class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(2000)), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }

  std::string Text() const {
    std::string text;
    for (const auto& line : sink_->last_formatted()) text += line;
    return text;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

class DiscordPosterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    connection_ = testing::SharedRedis().Connect();
    SeedWeek(*connection_);
    fake_.RequireBotToken(kToken);
    DiscordClientSettings settings;
    settings.api_base_url = fake_.api_base_url();
    settings.bot_token = kToken;
    client_ = std::make_unique<DiscordClient>(settings);
  }

  PostRequest Request(bool force = false) const {
    PostRequest request;
    request.window = WeekWindow::EndingOn(kWeekEnd);
    request.target = DiscordTarget::Channel(kChannel);
    request.force = force;
    return request;
  }

  // Advances the manual clock instead of sleeping, and records each wait.
  SleepFunction Sleep() {
    return [this](milliseconds duration) {
      sleeps_.push_back(duration);
      clock_.Advance(duration.count());
      return true;
    };
  }

  PostOutcome Post(bool force = false) { return PostWeeklyReport(*connection_, *client_, Request(force), clock_, Sleep()); }

  nlohmann::json Marker() const {
    const RedisReply reply = connection_->Command({"GET", keys::WeeklyReport(kWeekEnd)});
    return reply.is_nil() ? nlohmann::json() : nlohmann::json::parse(reply.str());
  }

  FakeDiscord fake_;
  std::unique_ptr<DiscordClient> client_;
  std::unique_ptr<RedisConnection> connection_;
  ManualClock clock_{kPostTime};
  std::vector<milliseconds> sleeps_;
};

TEST_F(DiscordPosterTest, PostsAndCompletesMarker) {
  const PostOutcome outcome = Post();

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  ASSERT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(FormatSnowflake(outcome.message_id.value_or(0)), fake_.messages()[0].id);
  EXPECT_EQ(outcome.channel_id, kChannel);
  EXPECT_EQ(outcome.attempts, 1);
  const nlohmann::json marker = Marker();
  EXPECT_EQ(marker["state"], "posted");
  EXPECT_EQ(marker["message_id"], fake_.messages()[0].id);
  EXPECT_EQ(marker["channel_id"], FormatSnowflake(kChannel));
  EXPECT_EQ(marker["posted_at"], FormatRfc3339(kPostTime));
  const std::int64_t ttl = connection_->Command({"PTTL", keys::WeeklyReport(kWeekEnd)}).integer();
  EXPECT_GT(ttl, 399 * kMsPerDay);
  EXPECT_LE(ttl, kWeeklyReportMarkerTtlMs);
}

// A week still running would be posted with partial figures, and its marker
// would then stop the real report, even with force.
TEST_F(DiscordPosterTest, UnfinishedWeekNotPosted) {
  clock_.Set(kWeekEnd.EndMs() - 1);
  const PostOutcome outcome = Post(/*force=*/true);

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_TRUE(outcome.permanent);
  EXPECT_NE(outcome.error.find("not over"), std::string::npos) << outcome.error;
  EXPECT_TRUE(fake_.requests().empty());
  EXPECT_TRUE(Marker().is_null());

  clock_.Set(kWeekEnd.EndMs());
  EXPECT_EQ(Post().kind, PostOutcomeKind::kPosted);
}

TEST_F(DiscordPosterTest, SecondCallReportsAlreadyPosted) {
  const PostOutcome first = Post();
  ASSERT_EQ(first.kind, PostOutcomeKind::kPosted) << first.Describe();

  clock_.Advance(10 * kMsPerMinute);
  const PostOutcome second = Post();

  EXPECT_EQ(second.kind, PostOutcomeKind::kAlreadyPosted);
  EXPECT_EQ(second.message_id, first.message_id);
  EXPECT_EQ(second.at, kPostTime);
  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_NE(second.Describe().find("--force"), std::string::npos);
}

TEST_F(DiscordPosterTest, RateLimitWaitsRetryAfterThenPosts) {
  fake_.Enqueue(FakeDiscordResponse::RateLimited(0.5));

  const PostOutcome outcome = Post();

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  EXPECT_EQ(outcome.attempts, 2);
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], milliseconds(500));
  EXPECT_EQ(fake_.messages().size(), 1u);
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].status, 429);
  EXPECT_EQ(requests[0].json()["nonce"], requests[1].json()["nonce"]);
}

TEST_F(DiscordPosterTest, ServerErrorsBackOffThenPost) {
  fake_.Enqueue({FakeDiscordResponse::ServerError(), FakeDiscordResponse::ServerError()});

  const PostOutcome outcome = Post();

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)}));
  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(Marker()["state"], "posted");
}

TEST_F(DiscordPosterTest, ServerErrorsStopAfterMaxAttempts) {
  for (int i = 0; i < 5; ++i) fake_.Enqueue(FakeDiscordResponse::ServerError(503));

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_FALSE(outcome.permanent);
  EXPECT_EQ(outcome.attempts, 5);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                                milliseconds(8000)}));
  EXPECT_TRUE(fake_.messages().empty());
  const nlohmann::json marker = Marker();
  EXPECT_EQ(marker["state"], "failed");
  EXPECT_EQ(marker["http_status"], 503);
  EXPECT_EQ(marker["permanent"], false);
  EXPECT_TRUE(marker.contains("failed_at"));
}

TEST_F(DiscordPosterTest, FailedMarkerIsClaimedAgain) {
  fake_.Enqueue(FakeDiscordResponse::MissingPermissions());
  ASSERT_EQ(Post().kind, PostOutcomeKind::kFailed);

  const PostOutcome retry = Post();

  ASSERT_EQ(retry.kind, PostOutcomeKind::kPosted) << retry.Describe();
  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_EQ(Marker()["state"], "posted");
}

TEST_F(DiscordPosterTest, BackoffIsCappedAtMaximum) {
  for (int i = 0; i < 4; ++i) fake_.Enqueue(FakeDiscordResponse::ServerError());
  RetryPolicy policy;
  policy.first_backoff = milliseconds(1000);
  policy.max_backoff = milliseconds(3000);

  const PostOutcome outcome = PostWeeklyReport(*connection_, *client_, Request(), clock_, Sleep(), policy);

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(3000),
                                                milliseconds(3000)}));
}

TEST_F(DiscordPosterTest, MissingPermissionFailsWithoutRetry) {
  fake_.Enqueue(FakeDiscordResponse::MissingPermissions());

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_TRUE(outcome.permanent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_NE(outcome.error.find("View Channel, Send Messages and Embed Links in channel 1180000000000000001"),
            std::string::npos)
      << outcome.error;
  const nlohmann::json marker = Marker();
  EXPECT_EQ(marker["state"], "failed");
  EXPECT_EQ(marker["http_status"], 403);
  EXPECT_EQ(marker["discord_code"], 50013);
  EXPECT_EQ(marker["permanent"], true);
}

TEST_F(DiscordPosterTest, UnknownChannelFailsWithoutRetry) {
  fake_.Enqueue(FakeDiscordResponse::UnknownChannel());

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_TRUE(outcome.permanent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_NE(outcome.error.find("unknown channel 1180000000000000001"), std::string::npos) << outcome.error;
  EXPECT_EQ(fake_.requests().size(), 1u);
}

TEST_F(DiscordPosterTest, InvalidTokenFailsWithoutRetry) {
  fake_.RequireBotToken("another-token");

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_TRUE(outcome.permanent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_NE(outcome.error.find("invalid bot token"), std::string::npos) << outcome.error;
}

TEST_F(DiscordPosterTest, LongRateLimitEndsAttempt) {
  fake_.Enqueue(FakeDiscordResponse::RateLimited(3600));

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_FALSE(outcome.permanent);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(Marker()["state"], "failed");
}

TEST_F(DiscordPosterTest, InterruptedWaitStopsRetrying) {
  fake_.Enqueue(FakeDiscordResponse::ServerError());
  const SleepFunction stopping = [](milliseconds) { return false; };

  const PostOutcome outcome = PostWeeklyReport(*connection_, *client_, Request(), clock_, stopping);

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_NE(outcome.error.find("stopped"), std::string::npos) << outcome.error;
  EXPECT_EQ(Marker()["state"], "failed");
}

TEST_F(DiscordPosterTest, PostingMarkerIsNotTakenOver) {
  const nlohmann::json crashed = {
      {"state", "posting"}, {"owner", "other-host:77:0badf00d"}, {"claimed_at", FormatRfc3339(kPostTime - 60000)}};
  connection_->Command({"SET", keys::WeeklyReport(kWeekEnd), crashed.dump()});

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kInProgress);
  EXPECT_EQ(outcome.owner, "other-host:77:0badf00d");
  EXPECT_EQ(outcome.at, kPostTime - 60000);
  EXPECT_NE(outcome.Describe().find("--force"), std::string::npos);
  EXPECT_TRUE(fake_.requests().empty());
  EXPECT_EQ(Marker(), crashed);
}

TEST_F(DiscordPosterTest, ForceTakesOverPostingMarker) {
  const nlohmann::json crashed = {{"state", "posting"}, {"owner", "other-host:77:0badf00d"}};
  connection_->Command({"SET", keys::WeeklyReport(kWeekEnd), crashed.dump()});

  const PostOutcome outcome = Post(/*force=*/true);

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  EXPECT_EQ(Marker()["state"], "posted");
  EXPECT_EQ(Marker()["forced"], true);
}

TEST_F(DiscordPosterTest, ForceRepostsPostedWeek) {
  const PostOutcome first = Post();
  ASSERT_EQ(first.kind, PostOutcomeKind::kPosted);

  const PostOutcome second = Post(/*force=*/true);

  ASSERT_EQ(second.kind, PostOutcomeKind::kPosted) << second.Describe();
  EXPECT_NE(second.message_id, first.message_id);
  EXPECT_EQ(fake_.messages().size(), 2u);
  EXPECT_EQ(Marker()["message_id"], FormatSnowflake(second.message_id.value_or(0)));
}

TEST_F(DiscordPosterTest, UnreadableMarkerNeedsForce) {
  connection_->Command({"SET", keys::WeeklyReport(kWeekEnd), "sent"});

  const PostOutcome outcome = Post();

  EXPECT_EQ(outcome.kind, PostOutcomeKind::kFailed);
  EXPECT_TRUE(outcome.permanent);
  EXPECT_NE(outcome.error.find("--force"), std::string::npos);
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(DiscordPosterTest, WebhookPostRecordsItsChannel) {
  fake_.SetWebhookChannel("1180000000000000099");
  PostRequest request = Request();
  request.target = DiscordTarget::Webhook(fake_.WebhookUrl("4242", "webhook-token-SECRET"));

  const PostOutcome outcome = PostWeeklyReport(*connection_, *client_, request, clock_, Sleep());

  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted) << outcome.Describe();
  EXPECT_EQ(Marker()["channel_id"], "1180000000000000099");
  EXPECT_EQ(Marker()["target"], "webhook http://127.0.0.1:" + std::to_string(fake_.port()) + "/api/webhooks/4242/***");
  EXPECT_EQ(Marker().dump().find("SECRET"), std::string::npos);
}

TEST_F(DiscordPosterTest, MessageIsWithinDiscordLimits) {
  ASSERT_EQ(Post().kind, PostOutcomeKind::kPosted);

  const nlohmann::json body = fake_.requests().at(0).json();
  ASSERT_TRUE(body.is_object());
  EXPECT_LE(body.value("content", "").size(), 2000u);
  ASSERT_TRUE(body["embeds"].is_array());
  ASSERT_GE(body["embeds"].size(), 1u);
  EXPECT_LE(body["embeds"].size(), 10u);
  // Discord counts characters; UTF-8 bytes are an upper bound of them.
  std::size_t total = 0;
  for (const auto& embed : body["embeds"]) {
    const std::string title = embed.value("title", "");
    const std::string description = embed.value("description", "");
    EXPECT_LE(title.size(), 256u);
    EXPECT_LE(description.size(), 4096u);
    total += title.size() + description.size();
    const auto fields = embed.value("fields", nlohmann::json::array());
    EXPECT_LE(fields.size(), 25u);
    for (const auto& field : fields) {
      EXPECT_LE(field.value("name", "").size(), 256u);
      EXPECT_LE(field.value("value", "").size(), 1024u);
      total += field.value("name", "").size() + field.value("value", "").size();
    }
    if (embed.contains("footer")) {
      EXPECT_LE(embed["footer"].value("text", "").size(), 2048u);
      total += embed["footer"].value("text", "").size();
    }
  }
  EXPECT_LE(total, 6000u);
  EXPECT_LE(body["nonce"].get<std::string>().size(), 25u);
}

TEST_F(DiscordPosterTest, LogsNameIdsButNoSecretsOrText) {
  LogCapture capture;
  fake_.Enqueue({FakeDiscordResponse::RateLimited(0.25), FakeDiscordResponse::ServerError()});

  const PostOutcome outcome = Post();
  ASSERT_EQ(outcome.kind, PostOutcomeKind::kPosted);
  PostRequest webhook = Request(/*force=*/true);
  webhook.target = DiscordTarget::Webhook(fake_.WebhookUrl("4242", "webhook-token-SECRET"));
  fake_.Enqueue(FakeDiscordResponse::UnknownWebhook());
  PostWeeklyReport(*connection_, *client_, webhook, clock_, Sleep());

  const std::string logs = capture.Text();
  EXPECT_EQ(logs.find(kToken), std::string::npos) << logs;
  EXPECT_EQ(logs.find("webhook-token-SECRET"), std::string::npos) << logs;
  const std::string content = fake_.requests().at(0).json().value("content", "");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(logs.find(content), std::string::npos) << logs;
  EXPECT_NE(logs.find("week_end=2026-01-11"), std::string::npos) << logs;
  EXPECT_NE(logs.find("channel 1180000000000000001"), std::string::npos) << logs;
  EXPECT_NE(logs.find("message_id=" + fake_.messages().at(0).id), std::string::npos) << logs;
  EXPECT_NE(logs.find("attempt 1/5"), std::string::npos) << logs;
  EXPECT_NE(logs.find("attempt 2/5"), std::string::npos) << logs;
  EXPECT_NE(logs.find("unknown webhook 4242"), std::string::npos) << logs;
}

TEST_F(DiscordPosterTest, ConcurrentPostersPostOnce) {
  auto first_connection = testing::SharedRedis().Connect();
  auto second_connection = testing::SharedRedis().Connect();
  const SleepFunction no_wait = [](milliseconds) { return true; };
  PostOutcome first;
  PostOutcome second;

  std::thread first_thread(
      [&] { first = PostWeeklyReport(*first_connection, *client_, Request(), clock_, no_wait); });
  std::thread second_thread(
      [&] { second = PostWeeklyReport(*second_connection, *client_, Request(), clock_, no_wait); });
  first_thread.join();
  second_thread.join();

  EXPECT_EQ(fake_.messages().size(), 1u);
  const int posted = (first.kind == PostOutcomeKind::kPosted) + (second.kind == PostOutcomeKind::kPosted);
  EXPECT_EQ(posted, 1) << first.Describe() << " / " << second.Describe();
}

TEST(WeeklyReportNonceTest, FitsDiscordNonceLimit) {
  const std::string nonce = WeeklyReportNonce(Date::FromYmd(2026, 12, 31));
  EXPECT_EQ(nonce, "ash-weekly-2026-12-31");
  EXPECT_LE(nonce.size(), 25u);
}

}  // namespace
}  // namespace ash
