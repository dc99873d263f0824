#include "service/service.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "domain/civil_time.h"
#include "report/discord_client.h"
#include "retention/retention_scheduler.h"
#include "service/event_intake.h"
#include "service/http_api.h"
#include "service/redis_pool.h"
#include "service/report_scheduler.h"
#include "service/service_metrics.h"
#include "service/spool.h"
#include "service/stream_consumer.h"

namespace ash {

namespace {

// Also the command timeout of each connection (hiredis), above the stream's 1 s BLOCK.
constexpr auto kConnectTimeout = std::chrono::milliseconds(5000);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(30000);
constexpr auto kPingInterval = std::chrono::milliseconds(1000);

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

std::string ProcessOwner() { return HostName() + ":" + std::to_string(::getpid()); }

void LogConfiguration(const Config& config, const RedisEndpoint& endpoint) {
  const WeeklyReportSettings& report = config.weekly_report;
  std::string target = "none";
  if (report.webhook_url.has_value()) {
    target = "webhook " + MaskWebhookUrl(*report.webhook_url);
  } else if (report.channel_id.has_value()) {
    target = "channel " + FormatSnowflake(*report.channel_id);
  }
  const auto set = [](const std::optional<std::string>& secret) {
    return secret.has_value() && !secret->empty() ? "set" : "not set";
  };
  spdlog::info(
      "Starting ash-metrics {} serve: http {}:{} (body limit {} bytes), redis {}, spool {}, "
      "weekly report {} ({} {:02}:00 UTC, catch-up {} h, target {}, Discord API {}), retention {} "
      "(cleanup hour {} UTC), secrets: discord_bot_token {}, redis_token {}, metrics_api_token {}",
      ASH_METRICS_VERSION, config.http.host, config.http.port, config.http.max_body_bytes, endpoint.Describe(),
      config.spool_path, report.enabled ? "enabled" : "disabled", DayOfWeekName(report.day), report.hour, report.catch_up_hours,
      target, config.discord.api_base_url, config.data_retention.enabled ? "enabled" : "disabled",
      config.data_retention.cleanup_hour, set(config.secrets.discord_bot_token), set(config.secrets.redis_token),
      set(config.secrets.metrics_api_token));
  for (const std::string& warning : ConfigWarnings(config)) spdlog::warn("Configuration: {}", warning);
}

// Turns SIGTERM and SIGINT into a shutdown request. The signals stay
// blocked in every thread of the process after Stop(), so a second signal
// during the shutdown cannot kill the process half-way.
class SignalWatcher {
 public:
  explicit SignalWatcher(ShutdownSignal& shutdown) : shutdown_(shutdown) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    thread_ = std::thread([this] { Watch(); });
  }
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
  }

 private:
  void Watch() {
    while (!done_.load()) {
      timespec timeout{0, 200 * 1000 * 1000};
      const int signal_number = sigtimedwait(&signals_, nullptr, &timeout);
      if (signal_number > 0) {
        spdlog::info("Received {}; shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
        shutdown_.Request();
      }
    }
  }

  ShutdownSignal& shutdown_;
  sigset_t signals_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Watches Redis: pings it while it is up, reconnects with capped
// exponential backoff while it is down, and replays the spool once it is
// back.
class RedisMonitor {
 public:
  RedisMonitor(RedisPool& pool, Spool& spool, EventIntake& intake) : pool_(pool), spool_(spool), intake_(intake) {}

  void Start() { thread_ = std::thread([this] { Run(); }); }
  void Stop() {
    stop_.Request();
    pool_.Interrupt();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    auto backoff = kFirstBackoff;
    int attempts = 0;
    bool was_up = pool_.up();
    while (!stop_.requested()) {
      if (pool_.up()) {
        was_up = true;
        ReplayIfNeeded();
        try {
          WithRedis(pool_, [](RedisConnection& connection) { return connection.Command({"PING"}); });
        } catch (const RedisIoError&) {
          // WithRedis marked Redis down; the loop logs it below.
        }
        if (pool_.up()) pool_.WaitForFailure(kPingInterval);
        continue;
      }

      if (was_up) {
        spdlog::warn("Lost Redis at {}: {}; /health reports degraded, HTTP events go to the spool {}",
                     pool_.endpoint().Describe(), pool_.last_error(), spool_.path());
        was_up = false;
      }
      ++attempts;
      auto connected = RedisConnection::Connect(pool_.endpoint(), pool_.connect_timeout());
      if (connected.ok()) {
        spdlog::info("Reconnected to Redis at {} after {} attempts", pool_.endpoint().Describe(), attempts);
        pool_.MarkUp();
        attempts = 0;
        backoff = kFirstBackoff;
        continue;
      }
      spdlog::warn("Reconnect attempt {} to Redis at {} failed: {}; next attempt in {} ms", attempts,
                   pool_.endpoint().Describe(), connected.error(), backoff.count());
      stop_.WaitFor(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

  void ReplayIfNeeded() {
    if (spool_.empty()) return;
    try {
      intake_.ReplaySpool();
    } catch (const RedisIoError& error) {
      spdlog::warn("Spool replay interrupted, Redis failed: {}; it restarts after the reconnect", error.what());
    } catch (const std::system_error& error) {
      spdlog::error("Spool replay failed: {}; retrying in {} ms", error.what(), kPingInterval.count());
    }
  }

  RedisPool& pool_;
  Spool& spool_;
  EventIntake& intake_;
  ShutdownSignal stop_;
  std::thread thread_;
};

}  // namespace

int RunService(const Config& config, const ServiceOptions& options) {
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  ShutdownSignal own_shutdown;
  ShutdownSignal& shutdown = options.shutdown != nullptr ? *options.shutdown : own_shutdown;
  // Block the signals before any thread starts, so every thread inherits the mask.
  std::unique_ptr<SignalWatcher> signal_watcher;
  if (options.handle_signals) signal_watcher = std::make_unique<SignalWatcher>(shutdown);

  // Settings that make the service unusable stop it here.
  const Expected<RedisEndpoint> endpoint = ResolveRedisEndpoint(config, options.redis_url);
  if (!endpoint.ok()) {
    spdlog::error("Invalid Redis setting: {}", endpoint.error());
    return 2;
  }
  LogConfiguration(config, endpoint.value());

  // Bind the port before touching the spool or Redis, so a second service
  // on a port in use stops before it reads the stream. Routes are installed
  // later; connections wait in the backlog until the listener starts.
  httplib::Server server;
  server.new_task_queue = [threads = std::max(1, options.http_threads)] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server.set_payload_max_length(static_cast<std::size_t>(config.http.max_body_bytes));
  // Small JSON responses must not wait for the peer's delayed ACK (about 40 ms).
  server.set_tcp_nodelay(true);
  // cpp-httplib's default options set SO_REUSEPORT, so a second `serve` on
  // the same port would start and take part of the connections. SO_REUSEADDR
  // alone still lets a restart bind while old sockets are in TIME_WAIT.
  server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // A worker reading a stalled request delays the shutdown until its read
  // timeout, so 5 s keeps the stop inside Docker's 10 s grace period.
  server.set_read_timeout(std::chrono::seconds(5));
  server.set_write_timeout(std::chrono::seconds(5));
  server.set_keep_alive_timeout(2);  // bounds the wait for idle connections at shutdown
  int port = config.http.port;
  bool bound = false;
  if (port == 0) {
    port = server.bind_to_any_port(config.http.host);
    bound = port > 0;
  } else {
    bound = server.bind_to_port(config.http.host, port);
  }
  if (!bound) {
    spdlog::error("Cannot listen on {}:{}: the port is in use or the address is not local; "
                  "set BOT_METRICS_HTTP_HOST and BOT_METRICS_HTTP_PORT",
                  config.http.host, config.http.port);
    return 1;
  }

  Spool spool(config.spool_path);
  if (const auto opened = spool.Open(); !opened.ok()) {
    spdlog::error("{}; set spool_path to a writable file", opened.error());
    return 2;
  }
  if (!spool.empty()) spdlog::info("The spool {} contains {} events from an earlier run", spool.path(), spool.size());

  // Redis: a failed first connect starts the service degraded.
  RedisPool pool(endpoint.value(), kConnectTimeout);
  try {
    pool.Acquire();
    spdlog::info("Connected to Redis at {}", endpoint->Describe());
  } catch (const RedisIoError& error) {
    spdlog::warn("Redis at {} is unavailable at start ({}); starting degraded", endpoint->Describe(), error.what());
  }

  ServiceMetrics metrics;
  const StoreSettings store_settings{config.response_metrics.retention_days,
                                    config.response_metrics.aggregate_retention_days};
  EventIntake intake(pool, spool, store_settings, clock, metrics);
  RedisMonitor monitor(pool, spool, intake);
  monitor.Start();

  // Schedulers, in start order: weekly report, then retention.
  const RedisConnector connect = [&pool]() { return RedisConnection::Connect(pool.endpoint(), kConnectTimeout); };
  DiscordClientSettings discord_settings;
  discord_settings.api_base_url = config.discord.api_base_url;
  discord_settings.bot_token = config.secrets.discord_bot_token;
  const DiscordClient discord(discord_settings);
  const SleepFunction sleep = [&shutdown](std::chrono::milliseconds duration) { return !shutdown.WaitFor(duration); };

  ReportSchedulerSettings report_settings;
  report_settings.report = config.weekly_report;
  report_settings.alert_retention_days = config.ReadableAlertDays();
  WeeklyReportScheduler report_scheduler(report_settings, connect, discord, clock, sleep);

  RetentionSchedulerOptions retention_options;
  retention_options.owner = ProcessOwner();
  retention_options.after_batch = [&shutdown](std::string_view) {
    // Ends a cleanup run at a batch boundary; the next run finishes it.
    if (shutdown.requested()) throw RedisIoError("the service is stopping");
  };
  RetentionScheduler retention_scheduler(connect, config.data_retention, retention_options);

  // Stream intake.
  StreamConsumerOptions stream_options;
  stream_options.consumer_name = options.consumer_name.empty() ? "ash-metrics-" + HostName() : options.consumer_name;
  stream_options.claim_idle = options.claim_idle;
  StreamConsumer stream(pool, store_settings, clock, metrics, stream_options);
  std::thread stream_thread([&stream] { stream.Run(); });

  // HTTP API.
  HttpApiContext context;
  context.config = &config;
  context.clock = &clock;
  context.pool = &pool;
  context.spool = &spool;
  context.intake = &intake;
  context.metrics = &metrics;
  context.discord = &discord;
  context.shutdown = &shutdown;
  context.health_details = [&]() {
    const EpochMs now = clock.NowMs();
    const ReportSchedulerState report = report_scheduler.State();
    nlohmann::json retention = config.data_retention.enabled ? retention_scheduler.StateToJson(now)
                                                             : nlohmann::json{{"enabled", false}};
    nlohmann::json details = {
        {"schedulers", {{"weekly_report", report.ToJson()}, {"retention", retention}}},
        {"next_report_at", report.next_scheduled_at ? nlohmann::json(FormatRfc3339(*report.next_scheduled_at))
                                                    : nlohmann::json(nullptr)},
        {"last_post", report.last_posted_at
                          ? nlohmann::json{{"at", FormatRfc3339(*report.last_posted_at)},
                                           {"week_end", report.last_week_end ? FormatIsoDate(*report.last_week_end)
                                                                             : ""},
                                           {"message_id", report.last_message_id
                                                              ? FormatSnowflake(*report.last_message_id)
                                                              : ""}}
                          : nlohmann::json(nullptr)},
        {"stream", {{"consumer", stream_options.consumer_name}, {"entries_handled", stream.entries_handled()}}},
    };
    return details;
  };
  context.scheduled_report_counts = [&report_scheduler]() {
    const ReportSchedulerState state = report_scheduler.State();
    return std::make_pair(state.posted_count, state.failed_count);
  };
  HttpApi api(context);

  api.Install(server);

  std::thread http_thread([&server] { server.listen_after_bind(); });
  spdlog::info("Listening on http://{}:{}", config.http.host, port);
  if (options.on_ready) options.on_ready(port);

  // The scheduler loop runs here until the shutdown signal.
  do {
    const EpochMs now = clock.NowMs();
    report_scheduler.Tick(now);
    if (config.data_retention.enabled) retention_scheduler.Tick(now);
  } while (!shutdown.WaitFor(options.tick_interval));
  spdlog::info("Stopping: intake first, then the schedulers, then Redis");

  // Stop intake and let the requests and the stream batch in flight finish.
  // stop() does nothing before the listener runs, so wait for it first.
  for (int i = 0; i < 500 && http_thread.joinable() && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  server.stop();
  if (http_thread.joinable()) http_thread.join();
  stream.Stop();
  stream_thread.join();
  // The schedulers stopped ticking with the loop: retention (started last)
  // and then the weekly report have nothing left running.
  spdlog::info("Stopped the retention scheduler, then the weekly report scheduler");
  monitor.Stop();
  pool.CloseAll();
  spdlog::info("Closed Redis; ash-metrics stopped with {} events in the spool", spool.size());
  shutdown.Request();
  return 0;
}

}  // namespace ash
