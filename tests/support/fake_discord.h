#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace ash::testing {

// One scripted reply of the fake. A 2xx reply with an empty body creates a
// message and returns it, like Discord.
struct FakeDiscordResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // 429 with {"retry_after", "global": false} and a Retry-After header
  // (whole seconds, rounded up).
  static FakeDiscordResponse RateLimited(double retry_after_seconds);
  static FakeDiscordResponse ServerError(int status = 500);
  // An error with Discord's JSON error body {"code", "message"}.
  static FakeDiscordResponse Error(int status, int code, const std::string& message);
  static FakeDiscordResponse Unauthorized();        // 401, code 0
  static FakeDiscordResponse MissingPermissions();  // 403, code 50013
  static FakeDiscordResponse UnknownChannel();      // 404, code 10003
  static FakeDiscordResponse UnknownWebhook();      // 404, code 10015
};

// One request the fake received.
struct FakeDiscordRequest {
  std::string method;
  std::string path;  // without the query
  std::multimap<std::string, std::string> params;
  std::multimap<std::string, std::string> headers;
  std::string body;
  int status = 0;  // the status the fake replied with

  // The header's value, or "" when absent (names are case-insensitive).
  std::string header(const std::string& name) const;
  nlohmann::json json() const;  // the body parsed; discarded when not JSON
};

// A message the fake created.
struct FakeDiscordMessage {
  std::string id;
  std::string channel_id;
  std::optional<std::string> webhook_id;
  nlohmann::json body;  // the request body as sent
};

// A fake of Discord's create-message endpoints on 127.0.0.1 with a free
// port, served from a background thread until destruction. Routes:
//   POST /api/v10/channels/{id}/messages  (Authorization: Bot <token>)
//   POST /api/webhooks/{id}/{token}       (?wait=true returns the message;
//                                          without it 204 and no body)
// Replies come from the scripted queue, then default to creating a
// message with an increasing snowflake id. Every request is recorded.
// The fake does not drop repeated nonces, so tests see every duplicate.
class FakeDiscord {
 public:
  FakeDiscord();
  ~FakeDiscord();
  FakeDiscord(const FakeDiscord&) = delete;
  FakeDiscord& operator=(const FakeDiscord&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:PORT/api/v10", for DiscordClientSettings::api_base_url.
  std::string api_base_url() const;
  std::string WebhookUrl(const std::string& webhook_id, const std::string& token) const;

  // When set, channel requests whose Authorization is not "Bot <token>"
  // get 401 (before the scripted queue).
  void RequireBotToken(const std::string& token);
  // The channel id that webhook messages report.
  void SetWebhookChannel(const std::string& channel_id);

  void Enqueue(FakeDiscordResponse response);
  void Enqueue(std::vector<FakeDiscordResponse> responses);

  std::vector<FakeDiscordRequest> requests() const;
  std::vector<FakeDiscordMessage> messages() const;

 private:
  // Picks the reply to one create-message request and records both.
  FakeDiscordResponse HandleCreate(FakeDiscordRequest request, const std::string& channel_id,
                                   const std::optional<std::string>& webhook_id, bool wait);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::deque<FakeDiscordResponse> queue_;
  std::vector<FakeDiscordRequest> requests_;
  std::vector<FakeDiscordMessage> messages_;
  std::optional<std::string> bot_token_;
  std::string webhook_channel_id_ = "555000000000000001";
  std::uint64_t next_id_ = 1300000000000000001ULL;
};

}  // namespace ash::testing
