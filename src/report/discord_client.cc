#include "report/discord_client.h"

#include <curl/curl.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include <fmt/format.h>

namespace ash {
namespace {

#ifndef ASH_METRICS_VERSION
#define ASH_METRICS_VERSION "0.0.0"
#endif

// Discord's HTTP API requires a User-Agent of the form "DiscordBot ($url, $versionNumber)".
constexpr const char* kUserAgent = "DiscordBot (ash-metrics, " ASH_METRICS_VERSION ")";

// Response bodies larger than this are cut; Discord's JSON replies are small.
constexpr std::size_t kMaxResponseBytes = 1 << 20;

// Used when a 429 carries neither a JSON retry_after nor a Retry-After header.
constexpr double kDefaultRetryAfterSeconds = 5.0;

// Discord's error message is its own text, never the report, but an HTML
// error page from a proxy could be long.
constexpr std::size_t kMaxDiscordMessageChars = 200;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t AppendToString(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t bytes = size * count;
  const std::size_t room = kMaxResponseBytes > out->size() ? kMaxResponseBytes - out->size() : 0;
  out->append(data, std::min(bytes, room));
  return bytes;
}

std::string StripTrailingSlashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

bool HasHttpScheme(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

// The id in ".../webhooks/<id>/<token>", or empty.
std::string WebhookId(const std::string& url) {
  const std::string marker = "/webhooks/";
  const auto at = url.find(marker);
  if (at == std::string::npos) return "";
  const auto start = at + marker.size();
  const auto end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The text with the webhook URL's token part replaced by "***".
std::string HideWebhookToken(std::string text, const std::string& url) {
  const std::string id = WebhookId(url);
  if (id.empty()) return text;
  const auto token_start = url.find("/webhooks/" + id + "/");
  if (token_start == std::string::npos) return text;
  const std::string token = url.substr(token_start + std::string("/webhooks/").size() + id.size() + 1);
  if (token.empty()) return text;
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + 3)) {
    text.replace(at, token.size(), "***");
  }
  return text;
}

std::optional<Snowflake> SnowflakeField(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return std::nullopt;
  const auto& value = object.at(name);
  if (value.is_string()) return ParseSnowflake(value.get<std::string>());
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  return std::nullopt;
}

// "HTTP 403, Discord code 50013: Missing Permissions"
std::string StatusDetail(const PostFailure& failure) {
  std::string detail = fmt::format("HTTP {}", failure.http_status);
  if (failure.discord_code) detail += fmt::format(", Discord code {}", *failure.discord_code);
  if (!failure.discord_message.empty()) detail += ": " + failure.discord_message;
  return detail;
}

std::string DescribePermanent(const DiscordTarget& target, const PostFailure& failure) {
  const std::string detail = StatusDetail(failure);
  const std::string channel = target.channel_id ? FormatSnowflake(*target.channel_id) : "";
  const std::string webhook = WebhookId(target.webhook_url.value_or(""));

  switch (failure.http_status) {
    case 401:
      if (target.is_webhook()) {
        return fmt::format("webhook {} rejected its token ({}): set the weekly report webhook URL to the URL "
                           "Discord shows for the webhook",
                           webhook, detail);
      }
      return fmt::format("invalid bot token ({}): set the discord_bot_token secret to the bot's current token",
                         detail);
    case 403:
      if (target.is_webhook()) {
        return fmt::format("webhook {} is not allowed to post ({}): check the webhook's channel in the "
                           "server settings",
                           webhook, detail);
      }
      return fmt::format("missing permission ({}): give the bot View Channel, Send Messages and Embed Links "
                         "in channel {}",
                         detail, channel);
    case 404:
      if (target.is_webhook()) {
        return fmt::format("unknown webhook {} ({}): the webhook was deleted; set the weekly report webhook "
                           "URL to a current one",
                           webhook, detail);
      }
      return fmt::format("unknown channel {} ({}): check BOT_WEEKLY_REPORT_CHANNEL_ID", channel, detail);
    default:
      return fmt::format("Discord rejected the message for {} ({}); retrying cannot help", target.Describe(),
                         detail);
  }
}

PostResult Fail(PostFailureKind kind, std::string description) {
  PostFailure failure;
  failure.kind = kind;
  failure.description = std::move(description);
  return PostResult::Failure(std::move(failure));
}

std::optional<double> ParseRetryAfterHeader(const std::optional<std::string>& header) {
  if (!header || header->empty()) return std::nullopt;
  char* end = nullptr;
  const double seconds = std::strtod(header->c_str(), &end);
  if (end == header->c_str() || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
  return seconds;
}

}  // namespace

DiscordTarget DiscordTarget::Channel(Snowflake id) {
  DiscordTarget target;
  target.channel_id = id;
  return target;
}

DiscordTarget DiscordTarget::Webhook(std::string url) {
  DiscordTarget target;
  target.webhook_url = std::move(url);
  return target;
}

std::string DiscordTarget::Describe() const {
  if (webhook_url) return "webhook " + MaskWebhookUrl(*webhook_url);
  if (channel_id) return "channel " + FormatSnowflake(*channel_id);
  return "no target";
}

std::string MaskWebhookUrl(const std::string& url) {
  const std::string id = WebhookId(url);
  if (!id.empty()) {
    const auto at = url.find("/webhooks/");
    return url.substr(0, at) + "/webhooks/" + id + "/***";
  }
  const auto scheme_end = url.find("://");
  const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto path_start = url.find('/', host_start);
  return url.substr(0, path_start == std::string::npos ? url.size() : path_start) + "/***";
}

std::string_view PostFailureKindName(PostFailureKind kind) {
  switch (kind) {
    case PostFailureKind::kRateLimited: return "rate_limited";
    case PostFailureKind::kServerError: return "server_error";
    case PostFailureKind::kNetworkError: return "network_error";
    case PostFailureKind::kPermanent: return "permanent";
  }
  return "permanent";
}

PostResult ClassifyDiscordResponse(const DiscordTarget& target, long http_status, const std::string& body,
                                   const std::optional<std::string>& retry_after_header) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);

  if (http_status >= 200 && http_status < 300) {
    PostedMessage message;
    message.message_id = SnowflakeField(json, "id");
    message.channel_id = SnowflakeField(json, "channel_id");
    if (!message.channel_id) message.channel_id = target.channel_id;
    return message;
  }

  PostFailure failure;
  failure.http_status = http_status;
  if (json.is_object()) {
    if (json.contains("code") && json["code"].is_number_integer()) failure.discord_code = json["code"].get<int>();
    if (json.contains("message") && json["message"].is_string()) {
      failure.discord_message = json["message"].get<std::string>().substr(0, kMaxDiscordMessageChars);
    }
  }

  if (http_status == 429) {
    failure.kind = PostFailureKind::kRateLimited;
    std::optional<double> seconds;
    if (json.is_object() && json.contains("retry_after") && json["retry_after"].is_number()) {
      seconds = json["retry_after"].get<double>();
    }
    if (!seconds || !std::isfinite(*seconds) || *seconds < 0) seconds = ParseRetryAfterHeader(retry_after_header);
    failure.retry_after_seconds = seconds.value_or(kDefaultRetryAfterSeconds);
    const bool global = json.is_object() && json.value("global", false);
    failure.description = fmt::format("rate limited by Discord{} for {}: retry after {:.3f} s",
                                      global ? " (global limit)" : "", target.Describe(),
                                      failure.retry_after_seconds);
  } else if (http_status >= 500 && http_status < 600) {
    failure.kind = PostFailureKind::kServerError;
    failure.description = fmt::format("Discord server error for {} ({})", target.Describe(), StatusDetail(failure));
  } else {
    failure.kind = PostFailureKind::kPermanent;
    failure.description = DescribePermanent(target, failure);
  }
  return PostResult::Failure(std::move(failure));
}

DiscordClient::DiscordClient(DiscordClientSettings settings) : settings_(std::move(settings)) {
  settings_.api_base_url = StripTrailingSlashes(settings_.api_base_url);
  InitCurlOnce();
}

PostResult DiscordClient::PostMessage(const DiscordTarget& target, nlohmann::json body_json,
                                      const std::string& nonce) const {
  // Build the URL and headers of the route.
  std::string url;
  std::vector<std::string> headers = {"Content-Type: application/json", "Expect:"};
  if (target.webhook_url) {
    if (!HasHttpScheme(*target.webhook_url)) {
      return Fail(PostFailureKind::kPermanent,
                  fmt::format("invalid webhook URL {}: it must start with https://", MaskWebhookUrl(*target.webhook_url)));
    }
    url = *target.webhook_url + (target.webhook_url->find('?') == std::string::npos ? "?" : "&") + "wait=true";
  } else if (target.channel_id) {
    if (!has_bot_token()) {
      return Fail(PostFailureKind::kPermanent,
                  fmt::format("no bot token to post to {}: set the discord_bot_token secret", target.Describe()));
    }
    url = fmt::format("{}/channels/{}/messages", settings_.api_base_url, *target.channel_id);
    headers.push_back("Authorization: Bot " + *settings_.bot_token);
    if (!nonce.empty()) {
      body_json["nonce"] = nonce;
      body_json["enforce_nonce"] = true;
    }
  } else {
    return Fail(PostFailureKind::kPermanent, "no Discord target: set a channel id or a webhook URL");
  }
  const std::string request_body = body_json.dump();

  // Configure the handle: POST only, no redirects, http and https only.
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Fail(PostFailureKind::kNetworkError, "curl_easy_init failed");
  curl_slist* raw_list = nullptr;
  for (const auto& header : headers) raw_list = curl_slist_append(raw_list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(raw_list, &curl_slist_free_all);

  std::string response_body;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request_body.c_str());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_body.size()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendToString);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);

  // Send, then classify what came back.
  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    // Masks the webhook token in case curl's error text quotes the URL.
    std::string text = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (target.webhook_url) text = HideWebhookToken(text, *target.webhook_url);
    return Fail(PostFailureKind::kNetworkError, fmt::format("request to {} failed: curl: {}", target.Describe(), text));
  }

  long http_status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
  std::optional<std::string> retry_after;
  curl_header* header = nullptr;
  if (curl_easy_header(handle, "Retry-After", 0, CURLH_HEADER, -1, &header) == CURLHE_OK && header != nullptr) {
    retry_after = header->value;
  }
  return ClassifyDiscordResponse(target, http_status, response_body, retry_after);
}

}  // namespace ash
