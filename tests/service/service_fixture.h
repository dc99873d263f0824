#pragma once

// Helpers shared by the service tests: a service running in-process on a
// free loopback port, and event JSON builders.

#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "domain/clock.h"
#include "service/service.h"

namespace ash::testing {

// 2026-01-07T12:00:00Z, a Wednesday.
inline constexpr EpochMs kTestNow = 1767787200000;
inline constexpr const char* kTestToken = "test-token-0123456789";

inline std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ash-service-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// Polls `condition` every 20 ms for up to `limit`; returns its last value.
// A deadline for waiting, not a timing assertion.
inline bool WaitUntil(const std::function<bool()>& condition,
                      std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

inline nlohmann::json AlertCreated(const std::string& alert_id, std::uint64_t message_id,
                                   const std::string& at = "2026-01-07T10:00:00Z") {
  return {{"type", "alert_created"},       {"alert_id", alert_id}, {"alert_message_id", std::to_string(message_id)},
          {"user_id", "200000000000000001"}, {"channel_id", "300000000000000001"},
          {"severity", "high"},            {"at", at}};
}

inline nlohmann::json Acknowledged(const std::string& alert_id, const std::string& by,
                                   const std::string& at = "2026-01-07T10:02:30Z") {
  return {{"type", "acknowledged"}, {"alert_id", alert_id}, {"by", by}, {"at", at}};
}

// RunService on a thread, with a ManualClock, weekly reports and retention
// off, and the spool in a fresh temporary folder.
class InProcessService {
 public:
  struct Settings {
    std::string redis_url;
    std::optional<std::string> token = std::string(kTestToken);
    long long max_body_bytes = 1048576;
    std::string consumer_name = "test-consumer";
    std::chrono::milliseconds claim_idle{60000};
    std::optional<std::string> discord_api_base_url;  // a FakeDiscord's, for posting tests
    std::optional<std::string> discord_bot_token;
    std::optional<Snowflake> report_channel;  // enables the weekly report schedule
    EpochMs now = kTestNow;                   // the start of the service's ManualClock
  };

  explicit InProcessService(Settings settings) : clock_(settings.now), directory_(MakeTempDir()) {
    config_.http.host = "127.0.0.1";
    config_.http.port = 0;
    config_.http.max_body_bytes = settings.max_body_bytes;
    config_.redis.url = settings.redis_url;
    config_.spool_path = directory_ + "/data/spool.ndjson";
    config_.secrets.metrics_api_token = settings.token;
    config_.weekly_report.enabled = false;
    config_.data_retention.enabled = false;
    if (settings.discord_api_base_url) config_.discord.api_base_url = *settings.discord_api_base_url;
    config_.secrets.discord_bot_token = settings.discord_bot_token;
    if (settings.report_channel) {
      config_.weekly_report.enabled = true;
      config_.weekly_report.channel_id = settings.report_channel;
    }

    ServiceOptions options;
    options.clock = &clock_;
    options.shutdown = &shutdown_;
    options.handle_signals = false;
    options.consumer_name = settings.consumer_name;
    options.claim_idle = settings.claim_idle;
    std::promise<int> ready;
    std::future<int> port = ready.get_future();
    options.on_ready = [&ready](int bound_port) { ready.set_value(bound_port); };
    thread_ = std::thread([this, options] { exit_code_ = RunService(config_, options); });
    if (port.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      throw std::runtime_error("the service did not bind its port");
    }
    port_ = port.get();
  }

  ~InProcessService() { Stop(); }

  // Raises the shutdown signal and returns RunService's exit code.
  int Stop() {
    shutdown_.Request();
    if (thread_.joinable()) thread_.join();
    return exit_code_;
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(60));
    return client;
  }

  static httplib::Headers Auth(const std::string& token = kTestToken) {
    return {{"Authorization", "Bearer " + token}};
  }

  httplib::Result PostEvent(const nlohmann::json& event) const {
    return Client().Post("/v1/events", Auth(), event.dump(), "application/json");
  }

  nlohmann::json Health() const {
    auto result = Client().Get("/health");
    if (!result) return nlohmann::json::object();
    return nlohmann::json::parse(result->body);
  }

  ManualClock& clock() { return clock_; }
  const Config& config() const { return config_; }
  int port() const { return port_; }
  const std::string& spool_path() const { return config_.spool_path; }

 private:
  ManualClock clock_;
  std::string directory_;
  Config config_;
  ShutdownSignal shutdown_;
  std::thread thread_;
  int port_ = 0;
  int exit_code_ = -1;
};

}  // namespace ash::testing
