#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/snowflake.h"
#include "retention/retention_settings.h"
#include "storage/redis_endpoint.h"
#include "util/expected.h"

namespace ash {

struct ResponseMetricsSettings {
  bool enabled = true;
  int retention_days = 90;             // BOT_RESPONSE_METRICS_RETENTION_DAYS, 1-365
  int aggregate_retention_days = 365;  // BOT_RESPONSE_METRICS_AGGREGATE_RETENTION_DAYS, 30-730
};

struct WeeklyReportSettings {
  bool enabled = true;
  std::optional<Snowflake> channel_id;
  int day = 0;   // 0 = Monday .. 6 = Sunday
  int hour = 9;  // UTC
  int catch_up_hours = 24;
  std::optional<std::string> webhook_url;  // posts through the webhook instead of the bot token
  std::string community_name = "The Alphabet Cartel";
};

struct RedisSettings {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::optional<std::string> url;  // overrides host, port and db
};

struct HttpSettings {
  std::string host = "127.0.0.1";
  int port = 30890;
  long long max_body_bytes = 1048576;
};

struct DiscordSettings {
  std::string api_base_url = "https://discord.com/api/v10";
};

struct LoggingSettings {
  std::string level = "info";  // trace, debug, info, warn, error
  std::optional<std::string> file;
};

// Read from files named after the secret, never from the JSON file or the
// environment, and never logged.
struct Secrets {
  std::optional<std::string> discord_bot_token;
  std::optional<std::string> redis_token;
  std::optional<std::string> metrics_api_token;
};

struct Config {
  ResponseMetricsSettings response_metrics;
  WeeklyReportSettings weekly_report;
  RetentionSettings data_retention;
  RedisSettings redis;
  HttpSettings http;
  DiscordSettings discord;
  LoggingSettings logging;
  std::string spool_path = "./data/spool.ndjson";
  Secrets secrets;
  // The folders the secrets were read from, in order: BOT_SECRETS_DIR, or
  // /run/secrets then ./secrets.
  std::vector<std::string> secret_dirs = {"/run/secrets", "./secrets"};
  std::optional<std::string> config_file;  // the file that was read, if any

  // Returns how many days reports can read alert records: the record expiry
  // (response_metrics.retention_days), or the retention run's limit when the
  // run is on and its limit is shorter, because the run deletes them first.
  int ReadableAlertDays() const;
};

// A setting that stops start-up: which variable, the value given, and what
// is allowed.
struct ConfigError {
  std::string variable;  // "BOT_WEEKLY_REPORT_HOUR" or "weekly_report.hour in config.json"
  std::string value;
  std::string allowed;   // "a whole number from 0 to 23"

  std::string Message() const;
};

// Where settings come from. The defaults read the process environment and
// the secret folders /run/secrets then ./secrets (or BOT_SECRETS_DIR).
struct ConfigSources {
  std::optional<std::string> file_path;  // else BOT_CONFIG_FILE, else none
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::vector<std::string> secret_dirs;
};

ConfigSources DefaultConfigSources();

// Reads the JSON file (if any), then the environment over it, then the
// secrets, and validates every range.
Expected<Config, ConfigError> LoadConfig(const ConfigSources& sources);

// The effective configuration, with each secret shown as "(set)" or
// "(not set)" and the password of a Redis URL masked.
nlohmann::json ConfigToJson(const Config& config);

// The Redis endpoint: url_override (from --redis-url), else redis.url, else
// host/port/db; the password is the redis_token secret unless the URL has one.
Expected<RedisEndpoint> ResolveRedisEndpoint(const Config& config, const std::optional<std::string>& url_override);

// Returns the files where the secret `name` is looked for, such as
// "/run/secrets/NAME or ./secrets/NAME", for messages to the operator.
std::string SecretFileLocations(const Config& config, const std::string& name);

// Returns one sentence per pair of settings that are each valid but
// conflict, for warnings at start-up and in `config check`.
std::vector<std::string> ConfigWarnings(const Config& config);

// "monday" .. "sunday" (case-insensitive) to 0..6.
std::optional<int> ParseWeekdayName(const std::string& text);

}  // namespace ash
