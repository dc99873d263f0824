#include "cli/cli_app.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "domain/civil_time.h"
#include "util/logging.h"

namespace ash::cli {

std::unique_ptr<RedisConnection> CliContext::ConnectRedis() const {
  auto endpoint = ResolveRedisEndpoint(config, redis_url);
  if (!endpoint.ok()) throw CommandError{kExitUsage, endpoint.error()};
  auto connection = RedisConnection::Connect(*endpoint);
  if (!connection.ok()) {
    throw CommandError{kExitRedisDown,
                       connection.error() + ". Check that Redis is running and that --redis-url, BOT_REDIS_URL "
                                            "or BOT_REDIS_HOST/BOT_REDIS_PORT/BOT_REDIS_DB point to it."};
  }
  return std::move(connection).value();
}

OutputFormat ParseFormat(const std::string& text, bool allow_discord) {
  if (text == "text") return OutputFormat::kText;
  if (text == "json") return OutputFormat::kJson;
  if (allow_discord && text == "discord") return OutputFormat::kDiscord;
  throw CommandError{kExitUsage, fmt::format("invalid --format \"{}\": use text or json{}", text,
                                             allow_discord ? " or discord" : "")};
}

namespace {

struct GlobalOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> redis_url;
  std::optional<std::string> now;
  std::optional<std::string> log_level;
};

void AddGlobalOptions(CLI::App& app, GlobalOptions& options) {
  app.add_option("--config", options.config_file, "JSON configuration file (default: BOT_CONFIG_FILE, else none)");
  app.add_option("--redis-url", options.redis_url,
                 "Redis to use: redis://[:password@]host:port/db or unix:///path/to/socket?db=N "
                 "(default: BOT_REDIS_URL, else BOT_REDIS_HOST, BOT_REDIS_PORT and BOT_REDIS_DB)");
  app.add_option("--now", options.now,
                 "act as if it were this moment, an RFC 3339 timestamp such as 2026-01-12T09:30:00Z "
                 "(default: the system clock)");
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn or error (default: BOT_LOG_LEVEL, else info)");
}

CliContext MakeContext(const GlobalOptions& options) {
  ConfigSources sources = DefaultConfigSources();
  sources.file_path = options.config_file;
  auto config = LoadConfig(sources);
  if (!config.ok()) throw CommandError{kExitUsage, config.error().Message()};

  CliContext context;
  context.config = std::move(config).value();
  context.redis_url = options.redis_url;
  if (options.log_level) {
    const std::string& level = *options.log_level;
    if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
      throw CommandError{kExitUsage,
                         fmt::format("invalid --log-level \"{}\": use trace, debug, info, warn or error", level)};
    }
    context.config.logging.level = level;
  }
  if (options.now) {
    auto now = ParseRfc3339(*options.now);
    if (!now) {
      throw CommandError{kExitUsage, fmt::format("invalid --now \"{}\": use an RFC 3339 timestamp such as "
                                                 "2026-01-12T09:30:00Z",
                                                 *options.now)};
    }
    // One-shot commands act at exactly this moment (serve runs on from it).
    context.now_override = *now;
    context.clock = std::make_unique<ManualClock>(*now);
  } else {
    context.clock = std::make_unique<SystemClock>();
  }
  return context;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"Ash Metrics: records how fast the Crisis Response Team answers crisis alerts, posts the weekly "
               "report to Discord, and deletes old data on schedule."};
  app.set_version_flag("--version", std::string("ash-metrics ") + ASH_METRICS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  AddGlobalOptions(app, global);

  std::string format = "text";
  std::function<int(CliContext&)> command;

  CLI::App* config_cmd = app.add_subcommand("config", "configuration commands");
  config_cmd->require_subcommand(1);
  CLI::App* config_check = config_cmd->add_subcommand(
      "check", "print the effective configuration with secrets masked, or exit 2 naming the invalid setting");
  config_check->add_option("--format", format, "text or json")->capture_default_str();
  config_check->callback([&] { command = [&](CliContext& c) { return RunConfigCheck(c, ParseFormat(format)); }; });

  std::string record_json;
  CLI::App* record = app.add_subcommand("record", "apply one event (a JSON object) and print its outcome");
  record->add_option("event", record_json, "the event, such as '{\"type\":\"acknowledged\",...}'")->required();
  record->callback([&] { command = [&](CliContext& c) { return RunRecord(c, record_json); }; });

  IngestOptions ingest_options;
  CLI::App* ingest = app.add_subcommand("ingest", "apply NDJSON events from a file (or - for standard input)");
  ingest->add_option("file", ingest_options.path, "NDJSON file, one event per line, or - for standard input")
      ->required();
  ingest->add_option("--batch-size", ingest_options.batch_size, "events per pipelined round trip to Redis")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  ingest->add_option("--format", format, "text or json")->capture_default_str();
  ingest->callback([&] {
    command = [&](CliContext& c) {
      ingest_options.format = ParseFormat(format);
      return RunIngest(c, ingest_options);
    };
  });

  bool convert = false;
  bool dry_run = false;
  CLI::App* import_legacy = app.add_subcommand(
      "import-legacy", "index Ash-Bot v5 alert records so reports include them, or --convert them");
  import_legacy->add_flag("--convert", convert,
                          "rewrite v5 records into the current layout and rebuild their daily aggregates");
  import_legacy->add_flag("--dry-run", dry_run, "print what would change and change nothing");
  import_legacy->add_option("--format", format, "text or json")->capture_default_str();
  import_legacy->callback([&] {
    command = [&](CliContext& c) { return RunImportLegacy(c, convert, dry_run, ParseFormat(format)); };
  });

  ReportCommandOptions report_options;
  std::string end_date;
  std::string channel;
  CLI::App* report = app.add_subcommand("report", "print (or --post) the weekly report");
  CLI::Option* end_option =
      report->add_option("--end", end_date, "last day of the week, YYYY-MM-DD (default: yesterday, UTC)");
  report->add_option("--format", format, "text, json or discord (the Discord message body)")->capture_default_str();
  report->add_flag("--post", report_options.post, "post the report to Discord (once per week unless --force)");
  CLI::Option* channel_option = report->add_option(
      "--channel", channel, "Discord channel id to post to (default: BOT_WEEKLY_REPORT_CHANNEL_ID)");
  report->add_flag("--force", report_options.force, "with --post: post even if this week was already posted");
  report->callback([&] {
    command = [&](CliContext& c) {
      // An empty value given on the command line is an error, not the default.
      if (end_option->count() > 0) report_options.end = end_date;
      if (channel_option->count() > 0) report_options.channel = channel;
      report_options.format = ParseFormat(format, true);
      return RunReport(c, report_options);
    };
  });

  SimulateCommandOptions simulate_options;
  CLI::App* simulate = app.add_subcommand("simulate", "write a realistic simulated week of events as NDJSON");
  simulate->add_option("--week-of", simulate_options.week_of, "first day of the week, YYYY-MM-DD")->required();
  simulate->add_option("--alerts", simulate_options.alerts, "number of alerts")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  simulate->add_option("--seed", simulate_options.seed, "random seed; the same seed gives the same events")
      ->capture_default_str();
  simulate->add_option("--output", simulate_options.output, "file to write (default: standard output)");
  simulate->callback([&] { command = [&](CliContext& c) { return RunSimulate(c, simulate_options); }; });

  CLI::App* demo = app.add_subcommand(
      "demo", "start a private redis-server, ingest a simulated week, print its report, and stop the server");
  demo->callback([&] { command = [&](CliContext& c) { return RunDemo(c); }; });

  CLI::App* serve = app.add_subcommand(
      "serve", "run the service: HTTP event API, stream intake, weekly report and retention schedules");
  serve->callback([&] { command = [&](CliContext& c) { return RunServe(c); }; });

  CLI::App* retention = app.add_subcommand("retention", "data retention commands");
  retention->require_subcommand(1);
  CLI::App* retention_run = retention->add_subcommand("run", "delete data older than the retention policy now");
  retention_run->add_flag("--dry-run", dry_run, "print what would be removed and change nothing");
  retention_run->add_option("--format", format, "text or json")->capture_default_str();
  retention_run->callback([&] {
    command = [&](CliContext& c) { return RunRetention(c, dry_run, ParseFormat(format)); };
  });

  CLI::App* storage = app.add_subcommand("storage", "storage commands");
  storage->require_subcommand(1);
  CLI::App* storage_stats = storage->add_subcommand(
      "stats", "print key counts per category, total keys, Redis memory used and the last cleanup");
  storage_stats->add_option("--format", format, "text or json")->capture_default_str();
  storage_stats->callback([&] { command = [&](CliContext& c) { return RunStorageStats(c, ParseFormat(format)); }; });

  std::string forget_user_id;
  CLI::App* forget_user = app.add_subcommand(
      "forget-user", "erase one person's history, opt-out and sessions, and their id from alert records");
  forget_user->add_option("user_id", forget_user_id, "the person's Discord user id")->required();
  forget_user->add_flag("--dry-run", dry_run, "print what would be removed and change nothing");
  forget_user->add_option("--format", format, "text or json")->capture_default_str();
  forget_user->callback([&] {
    command = [&](CliContext& c) { return RunForgetUser(c, forget_user_id, dry_run, ParseFormat(format)); };
  });

  for (CLI::App* sub : {config_check, record, ingest, import_legacy, report, simulate, demo, serve, retention_run,
                        storage_stats, forget_user}) {
    sub->fallthrough();
  }
  config_cmd->fallthrough();
  retention->fallthrough();
  storage->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }

  try {
    CliContext context = MakeContext(global);
    ConfigureLogging(context.config.logging.level, context.config.logging.file);
    return command(context);
  } catch (const CommandError& error) {
    std::cerr << "error: " << error.message << "\n";
    return error.exit_code;
  } catch (const RedisIoError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return kExitRedisDown;
  }
}

}  // namespace ash::cli
