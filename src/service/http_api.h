#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "domain/clock.h"
#include "service/event_intake.h"
#include "service/redis_pool.h"
#include "service/service_metrics.h"
#include "service/shutdown_signal.h"
#include "service/spool.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ash {

class DiscordClient;

// What the HTTP routes use; owned by the service, which outlives the API.
struct HttpApiContext {
  const Config* config = nullptr;
  const Clock* clock = nullptr;
  RedisPool* pool = nullptr;
  Spool* spool = nullptr;
  EventIntake* intake = nullptr;
  ServiceMetrics* metrics = nullptr;
  const DiscordClient* discord = nullptr;  // nullptr: POST /v1/reports/weekly answers 503
  const ShutdownSignal* shutdown = nullptr;  // cuts report retries short
  // Extra members of the /health document (schedulers, stream intake).
  std::function<nlohmann::json()> health_details;
  // Reports posted and failed by the scheduler, for /metrics.
  std::function<std::pair<std::uint64_t, std::uint64_t>()> scheduled_report_counts;
};

// The routes of the HTTP API (docs/api.md). Every route but /health and
// /metrics needs "Authorization: Bearer <metrics_api_token>".
class HttpApi {
 public:
  explicit HttpApi(HttpApiContext context);

  // Registers the routes and the error handler on the server.
  void Install(httplib::Server& server);

 private:
  struct Route;

  void Dispatch(const httplib::Request& request, httplib::Response& response);
  // Returns true when the request may go on; otherwise fills the response.
  bool Authorize(const httplib::Request& request, httplib::Response& response) const;

  void PostEvents(const httplib::Request& request, httplib::Response& response);
  void GetAlert(const httplib::Request& request, httplib::Response& response, const std::string& alert_id);
  void GetWeeklySummary(const httplib::Request& request, httplib::Response& response);
  void GetWeeklyReport(const httplib::Request& request, httplib::Response& response);
  void PostWeeklyReport(const httplib::Request& request, httplib::Response& response);
  void PostRetentionRun(const httplib::Request& request, httplib::Response& response);
  void GetStorageStats(const httplib::Request& request, httplib::Response& response);
  void PostForgetUser(const httplib::Request& request, httplib::Response& response, const std::string& user_id_text);
  void GetHealth(const httplib::Request& request, httplib::Response& response);
  void GetMetrics(const httplib::Request& request, httplib::Response& response);

  std::optional<WeekAlertStats> CurrentWeekStats();

  HttpApiContext context_;
  std::mutex week_cache_mutex_;
  std::optional<WeekAlertStats> week_cache_;
  std::chrono::steady_clock::time_point week_cache_expiry_{};
};

// "Bearer <token>" compared in constant time with the configured token.
bool BearerTokenMatches(const std::string& authorization_header, const std::string& token);

}  // namespace ash
