#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/snowflake.h"
#include "util/expected.h"

namespace ash {

// The destination of a message: a channel, through the bot token, or a
// webhook URL.
struct DiscordTarget {
  std::optional<Snowflake> channel_id;
  std::optional<std::string> webhook_url;  // contains the webhook's token: never log it

  static DiscordTarget Channel(Snowflake id);
  static DiscordTarget Webhook(std::string url);

  bool is_webhook() const { return webhook_url.has_value(); }

  // "channel 123" or "webhook https://discord.com/api/webhooks/456/***",
  // safe to log.
  std::string Describe() const;
};

// The webhook URL with everything after the webhook id replaced by "***"
// ("https://host/api/webhooks/456/***"), or "https://host/***" when the URL
// has no "/webhooks/<id>" part.
std::string MaskWebhookUrl(const std::string& url);

enum class PostFailureKind {
  kRateLimited,   // 429: retry after retry_after_seconds
  kServerError,   // 5xx: retry with backoff
  kNetworkError,  // no HTTP response (connect, TLS, timeout): retry with backoff
  kPermanent,     // 401, 403, 404 and every other status: a retry cannot help
};

// "rate_limited", "server_error", "network_error", "permanent".
std::string_view PostFailureKindName(PostFailureKind kind);

// The reason a message was not created.
struct PostFailure {
  PostFailureKind kind = PostFailureKind::kPermanent;
  long http_status = 0;                 // 0 for network errors
  std::optional<int> discord_code;      // Discord's JSON error "code", e.g. 50013
  std::string discord_message;          // Discord's JSON error "message"
  double retry_after_seconds = 0;       // kRateLimited only
  // The failure and the fix, naming the target (never its secret):
  // "missing permission ... in channel 123", "curl: Couldn't connect ...".
  std::string description;

  bool retryable() const { return kind != PostFailureKind::kPermanent; }
};

// A message Discord created.
struct PostedMessage {
  std::optional<Snowflake> message_id;  // nullopt when a 2xx response had no readable id
  std::optional<Snowflake> channel_id;  // from the response; the target's for a channel
};

using PostResult = Expected<PostedMessage, PostFailure>;

struct DiscordClientSettings {
  std::string api_base_url = "https://discord.com/api/v10";  // no trailing slash needed
  std::optional<std::string> bot_token;  // needed for channel targets only
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds total_timeout{30000};
};

// Creates Discord messages over HTTPS with libcurl. Each call uses its own
// curl handle, so one client may be shared by several threads.
class DiscordClient {
 public:
  explicit DiscordClient(DiscordClientSettings settings);

  // Creates one message with body_json (content, embeds). A channel target
  // POSTs {api_base_url}/channels/{id}/messages with "Authorization: Bot";
  // a webhook target POSTs {webhook_url}?wait=true without it, so both
  // return the message id. For a channel target a non-empty nonce (at most
  // 25 characters) is sent with enforce_nonce, so Discord returns the
  // earlier message instead of creating a second one when the same nonce
  // arrives again within a few minutes. Never throws for HTTP or network
  // errors: they are returned as a classified PostFailure.
  PostResult PostMessage(const DiscordTarget& target, nlohmann::json body_json,
                         const std::string& nonce = "") const;

  bool has_bot_token() const { return settings_.bot_token.has_value() && !settings_.bot_token->empty(); }
  const DiscordClientSettings& settings() const { return settings_; }

 private:
  DiscordClientSettings settings_;
};

// Classifies one HTTP response of the create-message endpoints. Exposed for
// tests; PostMessage uses it.
PostResult ClassifyDiscordResponse(const DiscordTarget& target, long http_status,
                                   const std::string& body,
                                   const std::optional<std::string>& retry_after_header);

}  // namespace ash
