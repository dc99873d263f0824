#include "support/fake_discord.h"

#include <httplib.h>
#include <strings.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace ash::testing {

FakeDiscordResponse FakeDiscordResponse::RateLimited(double retry_after_seconds) {
  FakeDiscordResponse response;
  response.status = 429;
  response.body = nlohmann::json{{"message", "You are being rate limited."},
                                 {"retry_after", retry_after_seconds},
                                 {"global", false}}
                      .dump();
  response.headers = {{"Retry-After", std::to_string(static_cast<long>(std::ceil(retry_after_seconds)))},
                      {"X-RateLimit-Scope", "user"}};
  return response;
}

FakeDiscordResponse FakeDiscordResponse::ServerError(int status) {
  FakeDiscordResponse response;
  response.status = status;
  response.body = "upstream connect error";  // a proxy in front of an API may answer 5xx with plain text
  return response;
}

FakeDiscordResponse FakeDiscordResponse::Error(int status, int code, const std::string& message) {
  FakeDiscordResponse response;
  response.status = status;
  response.body = nlohmann::json{{"message", message}, {"code", code}}.dump();
  return response;
}

FakeDiscordResponse FakeDiscordResponse::Unauthorized() { return Error(401, 0, "401: Unauthorized"); }
FakeDiscordResponse FakeDiscordResponse::MissingPermissions() { return Error(403, 50013, "Missing Permissions"); }
FakeDiscordResponse FakeDiscordResponse::UnknownChannel() { return Error(404, 10003, "Unknown Channel"); }
FakeDiscordResponse FakeDiscordResponse::UnknownWebhook() { return Error(404, 10015, "Unknown Webhook"); }

std::string FakeDiscordRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

nlohmann::json FakeDiscordRequest::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

FakeDiscord::FakeDiscord() : server_(std::make_unique<httplib::Server>()) {
  auto record = [](const httplib::Request& request) {
    FakeDiscordRequest recorded;
    recorded.method = request.method;
    recorded.path = request.path;
    recorded.params = {request.params.begin(), request.params.end()};
    recorded.headers = {request.headers.begin(), request.headers.end()};
    recorded.body = request.body;
    return recorded;
  };
  auto reply = [](const FakeDiscordResponse& scripted, httplib::Response& response) {
    response.status = scripted.status;
    for (const auto& [name, value] : scripted.headers) response.set_header(name, value);
    if (!scripted.body.empty()) {
      const bool is_json = !nlohmann::json::parse(scripted.body, nullptr, false).is_discarded();
      response.set_content(scripted.body, is_json ? "application/json" : "text/plain");
    }
  };

  server_->Post(R"(/api/v\d+/channels/(\d+)/messages)",
                [this, record, reply](const httplib::Request& request, httplib::Response& response) {
                  reply(HandleCreate(record(request), request.matches[1], std::nullopt, true), response);
                });
  server_->Post(R"(/api/(?:v\d+/)?webhooks/(\d+)/([^/]+))",
                [this, record, reply](const httplib::Request& request, httplib::Response& response) {
                  const bool wait = request.get_param_value("wait") == "true";
                  std::string channel;
                  {
                    std::lock_guard lock(mutex_);
                    channel = webhook_channel_id_;
                  }
                  reply(HandleCreate(record(request), channel, std::string(request.matches[1]), wait), response);
                });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake Discord: cannot bind a port on 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // The socket already accepts connections; stop() only works once the
  // accept loop runs, so wait for it before returning.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeDiscord::~FakeDiscord() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeDiscord::api_base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v10"; }

std::string FakeDiscord::WebhookUrl(const std::string& webhook_id, const std::string& token) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/api/webhooks/" + webhook_id + "/" + token;
}

void FakeDiscord::RequireBotToken(const std::string& token) {
  std::lock_guard lock(mutex_);
  bot_token_ = token;
}

void FakeDiscord::SetWebhookChannel(const std::string& channel_id) {
  std::lock_guard lock(mutex_);
  webhook_channel_id_ = channel_id;
}

void FakeDiscord::Enqueue(FakeDiscordResponse response) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(response));
}

void FakeDiscord::Enqueue(std::vector<FakeDiscordResponse> responses) {
  std::lock_guard lock(mutex_);
  for (auto& response : responses) queue_.push_back(std::move(response));
}

std::vector<FakeDiscordRequest> FakeDiscord::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<FakeDiscordMessage> FakeDiscord::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

FakeDiscordResponse FakeDiscord::HandleCreate(FakeDiscordRequest request, const std::string& channel_id,
                                              const std::optional<std::string>& webhook_id, bool wait) {
  std::lock_guard lock(mutex_);

  // Pick the reply: a wrong token, then the script, then success.
  FakeDiscordResponse scripted;
  if (!webhook_id && bot_token_ && request.header("Authorization") != "Bot " + *bot_token_) {
    scripted = FakeDiscordResponse::Unauthorized();
  } else if (!queue_.empty()) {
    scripted = std::move(queue_.front());
    queue_.pop_front();
  }

  // A 2xx without a scripted body creates the message.
  if (scripted.status >= 200 && scripted.status < 300 && scripted.body.empty()) {
    FakeDiscordMessage message;
    message.id = std::to_string(next_id_++);
    message.channel_id = channel_id;
    message.webhook_id = webhook_id;
    message.body = request.json();
    messages_.push_back(message);

    if (webhook_id && !wait) {
      scripted.status = 204;
    } else {
      nlohmann::json created = {{"id", message.id}, {"channel_id", message.channel_id}, {"type", 0}};
      if (message.body.is_object()) {
        created["content"] = message.body.value("content", "");
        created["embeds"] = message.body.value("embeds", nlohmann::json::array());
        if (message.body.contains("nonce")) created["nonce"] = message.body["nonce"];
      }
      if (webhook_id) created["webhook_id"] = *webhook_id;
      scripted.body = created.dump();
    }
  }

  request.status = scripted.status;
  requests_.push_back(std::move(request));
  return scripted;
}

}  // namespace ash::testing
