#include "service/http_api.h"

#include <httplib.h>

#include <array>
#include <regex>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/civil_time.h"
#include "report/discord_client.h"
#include "report/report_poster.h"
#include "report/report_render.h"
#include "report/weekly_report_builder.h"
#include "retention/forget_user.h"
#include "retention/retention_run.h"
#include "retention/storage_stats.h"
#include "service/constant_time.h"
#include "storage/alert_reader.h"

namespace ash {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kJsonType = "application/json";
constexpr auto kWeekStatsCacheTime = std::chrono::seconds(5);

void SendJson(httplib::Response& response, int status, const Json& body) {
  response.status = status;
  response.set_content(body.dump() + "\n", std::string(kJsonType));
}

void SendError(httplib::Response& response, int status, std::string_view reason, std::string_view field = "") {
  Json error = {{"status", status}, {"reason", reason}};
  if (!field.empty()) error["field"] = field;
  SendJson(response, status, {{"error", error}});
}

Json ErrorJson(const EventError& error) {
  Json json = {{"reason", error.reason}};
  if (!error.field.empty()) json["field"] = error.field;
  return json;
}

Json OptionalTime(const std::optional<EpochMs>& at) { return at ? Json(FormatRfc3339(*at)) : Json(nullptr); }

Json OptionalId(const std::optional<Snowflake>& id) { return id ? Json(FormatSnowflake(*id)) : Json(nullptr); }

Json OptionalSeconds(const std::optional<std::int64_t>& seconds) { return seconds ? Json(*seconds) : Json(nullptr); }

// The alert as GET /v1/alerts/{alert_id} returns it; ids as decimal strings.
Json AlertRecordToJson(const AlertRecord& record) {
  return {
      {"alert_id", record.alert_id},
      {"alert_message_id", FormatSnowflake(record.alert_message_id)},
      {"user_id", OptionalId(record.user_id)},
      {"channel_id", FormatSnowflake(record.channel_id)},
      {"guild_id", OptionalId(record.guild_id)},
      {"severity", SeverityName(record.severity)},
      {"channel_sensitivity", record.channel_sensitivity},
      {"created_at", FormatRfc3339(record.created_at)},
      {"acknowledged_at", OptionalTime(record.acknowledged_at)},
      {"acknowledged_by", OptionalId(record.acknowledged_by)},
      {"ash_contacted_at", OptionalTime(record.ash_contacted_at)},
      {"ash_initiated_by", record.ash_initiated_by ? Json(*record.ash_initiated_by) : Json(nullptr)},
      {"was_auto_initiated", record.was_auto_initiated},
      {"first_response_at", OptionalTime(record.first_response_at)},
      {"first_responder_id", OptionalId(record.first_responder_id)},
      {"resolved_at", OptionalTime(record.resolved_at)},
      {"resolved_by", OptionalId(record.resolved_by)},
      {"user_opted_out", record.user_opted_out},
      {"user_opted_out_at", OptionalTime(record.user_opted_out_at)},
      {"time_to_acknowledge_seconds", OptionalSeconds(record.time_to_acknowledge_seconds)},
      {"time_to_ash_seconds", OptionalSeconds(record.time_to_ash_seconds)},
      {"time_to_response_seconds", OptionalSeconds(record.time_to_response_seconds)},
      {"time_to_resolve_seconds", OptionalSeconds(record.time_to_resolve_seconds)},
      {"legacy_layout", record.legacy},
  };
}

Json OutcomeJson(const IntakeOutcome& outcome) {
  Json result = {{"status", IntakeStatusName(outcome.status)}};
  if (outcome.line > 0) result["line"] = outcome.line;
  if (outcome.type != "unknown") result["type"] = outcome.type;
  if (!outcome.alert_id.empty()) result["alert_id"] = outcome.alert_id;
  if (!outcome.event_id.empty()) result["event_id"] = outcome.event_id;
  if (outcome.error.has_value()) result["error"] = ErrorJson(*outcome.error);
  if (outcome.clock_skew) result["clock_skew"] = true;
  return result;
}

int SingleEventStatus(IntakeStatus status) {
  switch (status) {
    case IntakeStatus::kApplied:
    case IntakeStatus::kDuplicate:
    case IntakeStatus::kAlreadyRecorded: return 200;
    case IntakeStatus::kSpooled: return 202;
    case IntakeStatus::kUnknownAlert: return 404;
    case IntakeStatus::kInvalid: return 400;
  }
  return 500;
}

bool IsNdjsonType(const std::string& content_type) {
  for (std::string_view type : {"application/x-ndjson", "application/ndjson", "application/jsonl",
                                "application/x-jsonlines"}) {
    if (content_type.rfind(type, 0) == 0) return true;
  }
  return false;
}

bool HasSeveralLines(std::string_view body) {
  int lines = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    if (body.substr(start, end - start).find_first_not_of(" \t\r") != std::string_view::npos) ++lines;
    start = end + 1;
  }
  return lines > 1;
}

// Reads the "end" query parameter. nullopt with the response filled when
// it is invalid.
std::optional<WeekWindow> WeekFromRequest(const httplib::Request& request, httplib::Response& response,
                                          EpochMs now) {
  if (!request.has_param("end")) return DefaultReportWeek(now);
  const std::string end = request.get_param_value("end");
  const std::optional<Date> date = ParseIsoDate(end);
  if (!date.has_value()) {
    SendError(response, 400, "must be a date YYYY-MM-DD, the last day of the week (got \"" + end.substr(0, 40) + "\")",
              "end");
    return std::nullopt;
  }
  return WeekWindow::EndingOn(*date);
}

void SendRedisUnavailable(httplib::Response& response, const RedisPool& pool) {
  SendError(response, 503, "Redis at " + pool.endpoint().Describe() + " is unavailable; retry later");
}

}  // namespace

bool BearerTokenMatches(const std::string& authorization_header, const std::string& token) {
  return ConstantTimeEquals(authorization_header, "Bearer " + token);
}

struct HttpApi::Route {
  std::string method;
  std::regex pattern;
  std::string name;  // the label of the latency metric
  bool needs_token = true;
  std::function<void(HttpApi&, const httplib::Request&, httplib::Response&, const std::smatch&)> handler;
};

HttpApi::HttpApi(HttpApiContext context) : context_(std::move(context)) {}

void HttpApi::Install(httplib::Server& server) {
  const auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
    Dispatch(request, response);
  };
  server.Get(".*", dispatch);
  server.Post(".*", dispatch);
  server.Put(".*", dispatch);
  server.Patch(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Options(".*", dispatch);

  // A request with neither Content-Length nor Transfer-Encoding has no body
  // (RFC 9112, section 6.3), but cpp-httplib 0.11 reads the body of such a
  // POST until the connection closes or the read timeout passes, so a plain
  // `curl -X POST` waited 10 s. The handler runs before the body is read, and
  // the request object it receives is not const in the server.
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response&) {
    if (!request.has_header("Content-Length") && !request.has_header("Transfer-Encoding")) {
      const_cast<httplib::Request&>(request).headers.emplace("Content-Length", "0");
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors that the server answers before any route: a body over the limit
  // (413) and malformed requests (400).
  server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&,
                                                                       httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    context_.metrics->ObserveRequest("unrouted", response.status, 0);
    if (response.status == 413) {
      SendError(response, 413,
                "the request body is larger than the limit of " +
                    std::to_string(context_.config->http.max_body_bytes) +
                    " bytes; send fewer events per request");
    } else {
      SendError(response, response.status, "the HTTP request is malformed");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
}

void HttpApi::Dispatch(const httplib::Request& request, httplib::Response& response) {
  static const std::array<Route, 10> routes = {{
      {"GET", std::regex("/health"), "/health", false,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.GetHealth(req, res); }},
      {"GET", std::regex("/metrics"), "/metrics", false,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.GetMetrics(req, res); }},
      {"POST", std::regex("/v1/events"), "/v1/events", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.PostEvents(req, res); }},
      {"GET", std::regex("/v1/alerts/([^/]+)"), "/v1/alerts/{alert_id}", true,
       [](HttpApi& api, const auto& req, auto& res, const auto& match) { api.GetAlert(req, res, match[1].str()); }},
      {"GET", std::regex("/v1/summary/weekly"), "/v1/summary/weekly", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.GetWeeklySummary(req, res); }},
      {"GET", std::regex("/v1/reports/weekly"), "/v1/reports/weekly", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.GetWeeklyReport(req, res); }},
      {"POST", std::regex("/v1/reports/weekly"), "/v1/reports/weekly", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.PostWeeklyReport(req, res); }},
      {"POST", std::regex("/v1/retention/run"), "/v1/retention/run", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.PostRetentionRun(req, res); }},
      {"GET", std::regex("/v1/storage/stats"), "/v1/storage/stats", true,
       [](HttpApi& api, const auto& req, auto& res, const auto&) { api.GetStorageStats(req, res); }},
      {"POST", std::regex("/v1/users/([^/]+)/forget"), "/v1/users/{id}/forget", true,
       [](HttpApi& api, const auto& req, auto& res, const auto& match) {
         api.PostForgetUser(req, res, match[1].str());
       }},
  }};

  const auto started = std::chrono::steady_clock::now();
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  const Route* found = nullptr;
  std::smatch match;
  std::string allowed;
  for (const Route& route : routes) {
    if (!std::regex_match(request.path, match, route.pattern)) continue;
    if (route.method == method) {
      found = &route;
      break;
    }
    allowed += allowed.empty() ? route.method : ", " + route.method;
  }

  std::string metric_route = "unrouted";
  if (found == nullptr && allowed.empty()) {
    SendError(response, 404, "no route " + request.path.substr(0, 100) + "; see docs/api.md for the routes");
  } else if (found == nullptr) {
    response.set_header("Allow", allowed);
    SendError(response, 405, "method " + request.method + " is not allowed here; use " + allowed);
  } else {
    metric_route = found->name;
    if (!found->needs_token || Authorize(request, response)) {
      // Re-match: `match` refers to the last pattern tried.
      std::regex_match(request.path, match, found->pattern);
      try {
        found->handler(*this, request, response, match);
      } catch (const RedisIoError& error) {
        spdlog::warn("{} {} failed, Redis is unavailable: {}", request.method, found->name, error.what());
        SendRedisUnavailable(response, *context_.pool);
      }
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  context_.metrics->ObserveRequest(metric_route, response.status, seconds);
}

bool HttpApi::Authorize(const httplib::Request& request, httplib::Response& response) const {
  const std::optional<std::string>& token = context_.config->secrets.metrics_api_token;
  if (!token.has_value() || token->empty()) {
    SendError(response, 503,
              fmt::format("no API token is configured: write one to the secret file metrics_api_token ({}) and "
                          "restart",
                          SecretFileLocations(*context_.config, "metrics_api_token")));
    return false;
  }
  const std::string header = request.get_header_value("Authorization");
  if (header.empty()) {
    response.set_header("WWW-Authenticate", "Bearer");
    SendError(response, 401,
              "missing header \"Authorization: Bearer <token>\"; the token is the value of the secret "
              "metrics_api_token");
    return false;
  }
  if (!BearerTokenMatches(header, *token)) {
    response.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    SendError(response, 401,
              "invalid bearer token: send \"Authorization: Bearer <token>\" with the value of the secret "
              "metrics_api_token");
    return false;
  }
  return true;
}

void HttpApi::PostEvents(const httplib::Request& request, httplib::Response& response) {
  // One JSON document, unless the body is NDJSON (by its type, or because
  // it is not one document but several lines).
  bool batch = IsNdjsonType(request.get_header_value("Content-Type"));
  if (!batch && HasSeveralLines(request.body)) {
    batch = Json::parse(request.body, nullptr, false).is_discarded();
  }

  std::vector<IntakeItem> items;
  if (batch) {
    items = ParseNdjson(request.body);
    if (items.empty()) {
      SendError(response, 400, "the NDJSON body has no events; send one JSON object per line");
      return;
    }
  } else {
    items.push_back(ParseIntakeItem(request.body, 0));
  }

  std::vector<IntakeOutcome> outcomes;
  try {
    outcomes = context_.intake->Accept(std::move(items));
  } catch (const std::system_error& error) {
    spdlog::error("Cannot spool events while Redis is unavailable: {}", error.what());
    SendError(response, 503, "Redis is unavailable and the spool cannot be written; retry later");
    return;
  }

  if (!batch) {
    const IntakeOutcome& outcome = outcomes.front();
    Json body = OutcomeJson(outcome);
    if (outcome.status == IntakeStatus::kInvalid && outcome.error.has_value()) {
      body = {{"status", "invalid"}, {"error", ErrorJson(*outcome.error)}};
    }
    // A single event's error has the HTTP status, like the other routes' errors.
    if (body.contains("error")) body["error"]["status"] = SingleEventStatus(outcome.status);
    SendJson(response, SingleEventStatus(outcome.status), body);
    return;
  }

  Json results = Json::array();
  std::map<std::string, int> counts;
  for (const IntakeOutcome& outcome : outcomes) {
    results.push_back(OutcomeJson(outcome));
    ++counts[std::string(IntakeStatusName(outcome.status))];
  }
  const int status = counts.count("spooled") > 0 ? 202 : 200;
  SendJson(response, status, {{"results", results}, {"counts", counts}});
}

// Reads dry_run from the query string or a JSON object body; false when
// absent. Sends 400 and returns nullopt for a body that is not a JSON
// object and for any value but true, false, 1 or 0, so a mistyped preview
// never runs for real.
std::optional<bool> DryRunFromRequest(const httplib::Request& request, httplib::Response& response) {
  std::string value;
  if (request.has_param("dry_run")) {
    value = request.get_param_value("dry_run");
  } else if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    const Json body = Json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      SendError(response, 400, "the body must be empty or a JSON object such as {\"dry_run\": true}");
      return std::nullopt;
    }
    if (!body.contains("dry_run")) return false;
    const Json& flag = body["dry_run"];
    if (flag.is_boolean()) return flag.get<bool>();
    value = flag.is_string() ? flag.get<std::string>() : flag.dump();
  } else {
    return false;
  }
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  SendError(response, 400, "dry_run must be true or false (got \"" + value.substr(0, 40) + "\")", "dry_run");
  return std::nullopt;
}

void HttpApi::PostRetentionRun(const httplib::Request& request, httplib::Response& response) {
  const std::optional<bool> dry_run = DryRunFromRequest(request, response);
  if (!dry_run.has_value()) return;
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  const EpochMs now = context_.clock->NowMs();
  const RetentionReport report = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return RunRetention(connection, context_.config->data_retention, now, *dry_run);
  });
  SendJson(response, report.ok() ? 200 : 503, RetentionToJson(report));
}

void HttpApi::GetStorageStats(const httplib::Request&, httplib::Response& response) {
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);
  const StorageStats stats = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return CollectStorageStats(connection, context_.config->data_retention.batch_size);
  });
  SendJson(response, 200, StorageStatsToJson(stats));
}

void HttpApi::PostForgetUser(const httplib::Request& request, httplib::Response& response,
                             const std::string& user_id_text) {
  const std::optional<Snowflake> user_id = ParseSnowflake(user_id_text);
  if (!user_id.has_value() || *user_id == 0) {
    SendError(response, 400, "the user id must be a Discord user id, a positive whole number", "user_id");
    return;
  }
  const std::optional<bool> dry_run = DryRunFromRequest(request, response);
  if (!dry_run.has_value()) return;
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  const EpochMs now = context_.clock->NowMs();
  const ForgetUserReport report = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return ForgetUser(connection, *user_id, now, *dry_run, context_.config->data_retention.batch_size);
  });
  spdlog::info("forget-user over HTTP{}: {}", *dry_run ? " (dry run)" : "", report.ok() ? "done" : "failed");
  SendJson(response, report.ok() ? 200 : 503, ForgetUserToJson(report));
}

void HttpApi::GetAlert(const httplib::Request&, httplib::Response& response, const std::string& alert_id) {
  if (const auto problem = CheckAlertId(alert_id)) {
    SendError(response, 400, *problem, "alert_id");
    return;
  }
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  const std::optional<AlertRecord> record =
      WithRedis(*context_.pool, [&](RedisConnection& connection) { return ReadAlert(connection, alert_id); });
  if (!record.has_value()) {
    SendError(response, 404, "no alert with id \"" + alert_id + "\" (never created, or deleted by retention)",
              "alert_id");
    return;
  }
  SendJson(response, 200, AlertRecordToJson(*record));
}

void HttpApi::GetWeeklySummary(const httplib::Request& request, httplib::Response& response) {
  const EpochMs now = context_.clock->NowMs();
  const std::optional<WeekWindow> window = WeekFromRequest(request, response, now);
  if (!window.has_value()) return;
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  const WeeklyReportData report = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return BuildWeeklyReport(connection, *window, now, context_.config->ReadableAlertDays());
  });
  SendJson(response, 200, SummaryToJson(report.week));
}

void HttpApi::GetWeeklyReport(const httplib::Request& request, httplib::Response& response) {
  const EpochMs now = context_.clock->NowMs();
  const std::string format = request.has_param("format") ? request.get_param_value("format") : "text";
  if (format != "text" && format != "json") {
    SendError(response, 400, "must be text or json (got \"" + format.substr(0, 40) + "\")", "format");
    return;
  }
  const std::optional<WeekWindow> window = WeekFromRequest(request, response, now);
  if (!window.has_value()) return;
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  const WeeklyReportData report = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return BuildWeeklyReport(connection, *window, now, context_.config->ReadableAlertDays());
  });
  if (format == "json") {
    SendJson(response, 200, ReportToJson(report));
    return;
  }
  ReportStyle style;
  style.community_name = context_.config->weekly_report.community_name;
  response.status = 200;
  response.set_content(RenderTextReport(report, style), "text/plain; charset=utf-8");
}

void HttpApi::PostWeeklyReport(const httplib::Request& request, httplib::Response& response) {
  // Parameters come from the query string or a JSON object body.
  Json parameters = Json::object();
  if (!request.body.empty()) {
    parameters = Json::parse(request.body, nullptr, false);
    if (parameters.is_discarded() || !parameters.is_object()) {
      SendError(response, 400, "the body must be a JSON object with end, channel_id and force, or empty");
      return;
    }
  }
  for (const char* name : {"end", "channel_id", "force"}) {
    if (request.has_param(name)) parameters[name] = request.get_param_value(name);
  }

  const EpochMs now = context_.clock->NowMs();
  PostRequest post;
  post.window = DefaultReportWeek(now);
  if (parameters.contains("end")) {
    const Json& end = parameters["end"];
    const std::optional<Date> date = end.is_string() ? ParseIsoDate(end.get<std::string>()) : std::nullopt;
    if (!date.has_value()) {
      SendError(response, 400, "must be a date YYYY-MM-DD, the last day of the week (got " +
                                   DescribeJsonValue(end) + ")", "end");
      return;
    }
    post.window = WeekWindow::EndingOn(*date);
    if (auto error = WeekNotOverError(post.window, now)) {
      SendError(response, 400, *error, "end");
      return;
    }
  }
  if (parameters.contains("force")) {
    const Json& force = parameters["force"];
    if (force.is_boolean()) {
      post.force = force.get<bool>();
    } else if (force == "true" || force == "1") {
      post.force = true;
    } else if (force == "false" || force == "0") {
      post.force = false;
    } else {
      SendError(response, 400, "must be true or false (got " + DescribeJsonValue(force) + ")", "force");
      return;
    }
  }

  // The target: the channel given, else the webhook, else the configured channel.
  const WeeklyReportSettings& settings = context_.config->weekly_report;
  if (parameters.contains("channel_id")) {
    const auto channel = SnowflakeFromJson(parameters["channel_id"]);
    if (!channel.ok()) {
      SendError(response, 400, channel.error(), "channel_id");
      return;
    }
    post.target = DiscordTarget::Channel(channel.value());
  } else if (settings.webhook_url.has_value()) {
    post.target = DiscordTarget::Webhook(*settings.webhook_url);
  } else if (settings.channel_id.has_value()) {
    post.target = DiscordTarget::Channel(*settings.channel_id);
  } else {
    SendError(response, 400,
              "no channel: give channel_id, or set BOT_WEEKLY_REPORT_CHANNEL_ID or BOT_WEEKLY_REPORT_WEBHOOK_URL",
              "channel_id");
    return;
  }
  if (context_.discord == nullptr || (!post.target.is_webhook() && !context_.discord->has_bot_token())) {
    SendError(response, 503,
              fmt::format("cannot post to a channel without a bot token: write it to the secret file "
                          "discord_bot_token ({}), or set BOT_WEEKLY_REPORT_WEBHOOK_URL",
                          SecretFileLocations(*context_.config, "discord_bot_token")));
    return;
  }
  if (!context_.pool->up()) return SendRedisUnavailable(response, *context_.pool);

  post.style.community_name = settings.community_name;
  post.alert_retention_days = context_.config->ReadableAlertDays();
  const ShutdownSignal* shutdown = context_.shutdown;
  const SleepFunction sleep = [shutdown](std::chrono::milliseconds duration) {
    return shutdown == nullptr ? SleepForReal(duration) : !shutdown->WaitFor(duration);
  };

  spdlog::info("Posting the weekly report ending {} to {} on request (force {})", FormatIsoDate(post.window.end),
               post.target.Describe(), post.force);
  const PostOutcome outcome = WithRedis(*context_.pool, [&](RedisConnection& connection) {
    return ash::PostWeeklyReport(connection, *context_.discord, post, *context_.clock, sleep);
  });
  spdlog::info("Weekly report request: {}", outcome.Describe());

  int status = 200;
  switch (outcome.kind) {
    case PostOutcomeKind::kPosted:
      context_.metrics->CountReport(true);
      break;
    case PostOutcomeKind::kAlreadyPosted: break;
    case PostOutcomeKind::kInProgress: status = 409; break;
    case PostOutcomeKind::kFailed:
      context_.metrics->CountReport(false);
      status = 502;
      break;
  }
  SendJson(response, status, outcome.ToJson());
}

void HttpApi::GetHealth(const httplib::Request&, httplib::Response& response) {
  const bool redis_up = context_.pool->up();
  const std::size_t spooled = context_.spool->size();
  Json redis = {{"up", redis_up}, {"endpoint", context_.pool->endpoint().Describe()}};
  if (!redis_up) redis["error"] = context_.pool->last_error();

  Json body = {
      {"status", redis_up ? "ok" : "degraded"},
      {"live", true},
      {"ready", redis_up},
      {"version", ASH_METRICS_VERSION},
      {"time", FormatRfc3339(context_.clock->NowMs())},
      {"redis", redis},
      {"spool", {{"events", spooled}, {"path", context_.spool->path()}}},
  };
  if (context_.health_details) body.update(context_.health_details());
  SendJson(response, 200, body);
}

std::optional<WeekAlertStats> HttpApi::CurrentWeekStats() {
  std::lock_guard lock(week_cache_mutex_);
  const auto now_steady = std::chrono::steady_clock::now();
  if (now_steady < week_cache_expiry_) return week_cache_;

  week_cache_.reset();
  if (context_.pool->up()) {
    const EpochMs now = context_.clock->NowMs();
    const EpochMs from = Date::OfInstant(now).AddDays(-6).StartMs();
    try {
      const std::vector<AlertRecord> records = WithRedis(*context_.pool, [&](RedisConnection& connection) {
        return ReadAlertsCreatedBetween(connection, from, now + 1);
      });
      week_cache_ = ComputeWeekAlertStats(records);
    } catch (const RedisIoError& error) {
      spdlog::warn("Cannot read this week's alerts for /metrics: {}", error.what());
    }
  }
  week_cache_expiry_ = now_steady + kWeekStatsCacheTime;
  return week_cache_;
}

void HttpApi::GetMetrics(const httplib::Request&, httplib::Response& response) {
  MetricsGauges gauges;
  gauges.redis_up = context_.pool->up();
  gauges.spool_events = context_.spool->size();
  if (context_.scheduled_report_counts) {
    std::tie(gauges.scheduled_reports_posted, gauges.scheduled_reports_failed) = context_.scheduled_report_counts();
  }
  gauges.week = CurrentWeekStats();
  response.status = 200;
  response.set_content(context_.metrics->Render(gauges), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace ash
