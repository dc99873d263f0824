#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ash {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// One setting: where it lives in the JSON file and the environment, and how
// to parse and check it. `apply` returns the allowed-range text on error.
struct Setting {
  const char* section;
  const char* key;
  const char* env;
  std::string allowed;
  std::function<bool(Config&, const std::string&)> apply;
};

std::optional<long long> ParseWhole(const std::string& text) {
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> ParseBool(const std::string& text) {
  const std::string lower = Lower(text);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

Setting IntSetting(const char* section, const char* key, const char* env, long long min, long long max,
                   std::function<void(Config&, long long)> set) {
  return {section, key, env, fmt::format("a whole number from {} to {}", min, max),
          [=](Config& config, const std::string& text) {
            auto value = ParseWhole(text);
            if (!value || *value < min || *value > max) return false;
            set(config, *value);
            return true;
          }};
}

Setting BoolSetting(const char* section, const char* key, const char* env, std::function<void(Config&, bool)> set) {
  return {section, key, env, "true or false", [=](Config& config, const std::string& text) {
            auto value = ParseBool(text);
            if (!value) return false;
            set(config, *value);
            return true;
          }};
}

Setting TextSetting(const char* section, const char* key, const char* env, std::string allowed,
                    std::function<bool(Config&, const std::string&)> set) {
  return {section, key, env, std::move(allowed), std::move(set)};
}

bool IsHttpUrl(const std::string& text) { return text.starts_with("http://") || text.starts_with("https://"); }

std::vector<Setting> AllSettings() {
  return {
      BoolSetting("response_metrics", "enabled", "BOT_RESPONSE_METRICS_ENABLED",
                  [](Config& c, bool v) { c.response_metrics.enabled = v; }),
      IntSetting("response_metrics", "retention_days", "BOT_RESPONSE_METRICS_RETENTION_DAYS", 1, 365,
                 [](Config& c, long long v) { c.response_metrics.retention_days = static_cast<int>(v); }),
      IntSetting("response_metrics", "aggregate_retention_days", "BOT_RESPONSE_METRICS_AGGREGATE_RETENTION_DAYS", 30,
                 730, [](Config& c, long long v) { c.response_metrics.aggregate_retention_days = static_cast<int>(v); }),

      BoolSetting("weekly_report", "enabled", "BOT_WEEKLY_REPORT_ENABLED",
                  [](Config& c, bool v) { c.weekly_report.enabled = v; }),
      TextSetting("weekly_report", "channel_id", "BOT_WEEKLY_REPORT_CHANNEL_ID",
                  "a Discord channel id (a positive whole number of up to 20 digits)",
                  [](Config& c, const std::string& v) {
                    if (v.empty()) {
                      c.weekly_report.channel_id.reset();
                      return true;
                    }
                    auto id = ParseSnowflake(v);
                    if (!id || *id == 0) return false;
                    c.weekly_report.channel_id = *id;
                    return true;
                  }),
      TextSetting("weekly_report", "day", "BOT_WEEKLY_REPORT_DAY", "a day name from monday to sunday",
                  [](Config& c, const std::string& v) {
                    auto day = ParseWeekdayName(v);
                    if (!day) return false;
                    c.weekly_report.day = *day;
                    return true;
                  }),
      IntSetting("weekly_report", "hour", "BOT_WEEKLY_REPORT_HOUR", 0, 23,
                 [](Config& c, long long v) { c.weekly_report.hour = static_cast<int>(v); }),
      IntSetting("weekly_report", "catch_up_hours", "BOT_WEEKLY_REPORT_CATCH_UP_HOURS", 0, 168,
                 [](Config& c, long long v) { c.weekly_report.catch_up_hours = static_cast<int>(v); }),
      TextSetting("weekly_report", "webhook_url", "BOT_WEEKLY_REPORT_WEBHOOK_URL",
                  "an http:// or https:// Discord webhook URL, or empty",
                  [](Config& c, const std::string& v) {
                    if (v.empty()) {
                      c.weekly_report.webhook_url.reset();
                      return true;
                    }
                    if (!IsHttpUrl(v)) return false;
                    c.weekly_report.webhook_url = v;
                    return true;
                  }),
      TextSetting("weekly_report", "community_name", "BOT_WEEKLY_REPORT_COMMUNITY_NAME",
                  "text of 1 to 100 characters", [](Config& c, const std::string& v) {
                    if (v.empty() || v.size() > 100) return false;
                    c.weekly_report.community_name = v;
                    return true;
                  }),

      BoolSetting("data_retention", "enabled", "BOT_RETENTION_ENABLED",
                  [](Config& c, bool v) { c.data_retention.enabled = v; }),
      IntSetting("data_retention", "alert_metrics_days", "BOT_RETENTION_ALERT_METRICS_DAYS", 1, 365,
                 [](Config& c, long long v) { c.data_retention.alert_metrics_days = static_cast<int>(v); }),
      IntSetting("data_retention", "aggregates_days", "BOT_RETENTION_AGGREGATES_DAYS", 30, 730,
                 [](Config& c, long long v) { c.data_retention.aggregates_days = static_cast<int>(v); }),
      IntSetting("data_retention", "message_history_days", "BOT_RETENTION_MESSAGE_HISTORY_DAYS", 1, 30,
                 [](Config& c, long long v) { c.data_retention.message_history_days = static_cast<int>(v); }),
      IntSetting("data_retention", "session_data_days", "BOT_RETENTION_SESSION_DATA_DAYS", 7, 90,
                 [](Config& c, long long v) { c.data_retention.session_data_days = static_cast<int>(v); }),
      IntSetting("data_retention", "cleanup_hour", "BOT_RETENTION_CLEANUP_HOUR", 0, 23,
                 [](Config& c, long long v) { c.data_retention.cleanup_hour = static_cast<int>(v); }),
      IntSetting("data_retention", "batch_size", "BOT_RETENTION_BATCH_SIZE", 10, 10000,
                 [](Config& c, long long v) { c.data_retention.batch_size = static_cast<int>(v); }),

      TextSetting("redis", "host", "BOT_REDIS_HOST", "a host name or IP address",
                  [](Config& c, const std::string& v) {
                    if (v.empty() || v.find_first_of(" /@") != std::string::npos) return false;
                    c.redis.host = v;
                    return true;
                  }),
      IntSetting("redis", "port", "BOT_REDIS_PORT", 1, 65535,
                 [](Config& c, long long v) { c.redis.port = static_cast<int>(v); }),
      IntSetting("redis", "db", "BOT_REDIS_DB", 0, 15, [](Config& c, long long v) { c.redis.db = static_cast<int>(v); }),
      TextSetting("redis", "url", "BOT_REDIS_URL",
                  "redis://[:password@]host:port/db or unix:///path/to/socket?db=N, or empty",
                  [](Config& c, const std::string& v) {
                    if (v.empty()) {
                      c.redis.url.reset();
                      return true;
                    }
                    if (!ParseRedisUrl(v).ok()) return false;
                    c.redis.url = v;
                    return true;
                  }),

      TextSetting("http", "host", "BOT_METRICS_HTTP_HOST", "an IP address to listen on, such as 127.0.0.1 or 0.0.0.0",
                  [](Config& c, const std::string& v) {
                    if (v.empty() || v.find_first_of(" /@") != std::string::npos) return false;
                    c.http.host = v;
                    return true;
                  }),
      IntSetting("http", "port", "BOT_METRICS_HTTP_PORT", 1, 65535,
                 [](Config& c, long long v) { c.http.port = static_cast<int>(v); }),
      IntSetting("http", "max_body_bytes", "BOT_METRICS_HTTP_MAX_BODY_BYTES", 1024, 67108864,
                 [](Config& c, long long v) { c.http.max_body_bytes = v; }),
      TextSetting("http", "spool_path", "BOT_METRICS_SPOOL_PATH", "a file path", [](Config& c, const std::string& v) {
        if (v.empty()) return false;
        c.spool_path = v;
        return true;
      }),

      TextSetting("discord", "api_base_url", "BOT_DISCORD_API_BASE_URL", "an http:// or https:// URL",
                  [](Config& c, const std::string& v) {
                    if (!IsHttpUrl(v)) return false;
                    c.discord.api_base_url = v;
                    while (c.discord.api_base_url.ends_with('/')) c.discord.api_base_url.pop_back();
                    return true;
                  }),

      TextSetting("logging", "level", "BOT_LOG_LEVEL", "one of trace, debug, info, warn, error",
                  [](Config& c, const std::string& v) {
                    const std::string level = Lower(v);
                    if (level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error") {
                      return false;
                    }
                    c.logging.level = level;
                    return true;
                  }),
      TextSetting("logging", "file", "BOT_LOG_FILE", "a file path, or empty", [](Config& c, const std::string& v) {
        if (v.empty()) {
          c.logging.file.reset();
        } else {
          c.logging.file = v;
        }
        return true;
      }),
  };
}

// The names that may never appear in the JSON file.
constexpr const char* kSecretNames[] = {"discord_bot_token", "redis_token", "metrics_api_token", "password", "token"};

std::string JsonValueText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  return value.dump();
}

std::optional<ConfigError> ApplyJsonFile(const std::string& path, const std::vector<Setting>& settings,
                                         Config& config) {
  // The file comes from --config or from BOT_CONFIG_FILE.
  const std::string variable = "the configuration file";
  std::ifstream input(path);
  if (!input) return ConfigError{variable, path, "a readable JSON file"};
  Json document;
  try {
    document = Json::parse(input);
  } catch (const Json::parse_error& error) {
    return ConfigError{variable, path,
                       fmt::format("valid JSON (the parser stopped at byte {}: {})", error.byte, error.what())};
  }
  if (!document.is_object()) {
    return ConfigError{variable, path, "a JSON object with sections such as \"weekly_report\""};
  }
  for (const auto& [section, values] : document.items()) {
    if (!values.is_object()) {
      return ConfigError{section + " in " + path, values.dump(), "an object of settings"};
    }
    for (const auto& [key, value] : values.items()) {
      const std::string where = fmt::format("{}.{} in {}", section, key, path);
      for (const char* secret : kSecretNames) {
        if (key == secret) {
          return ConfigError{where, "(hidden)",
                             "nothing: secrets are read only from " + SecretFileLocations(config, key)};
        }
      }
      auto setting = std::find_if(settings.begin(), settings.end(), [&](const Setting& s) {
        return section == s.section && key == s.key;
      });
      if (setting == settings.end()) {
        return ConfigError{where, JsonValueText(value), "a known setting (see .env.template and the README)"};
      }
      const std::string text = value.is_null() ? "" : JsonValueText(value);
      if (!setting->apply(config, text)) return ConfigError{where, text, setting->allowed};
    }
  }
  config.config_file = path;
  return std::nullopt;
}

std::optional<std::string> ReadSecret(const std::vector<std::string>& dirs, const std::string& name) {
  for (const std::string& dir : dirs) {
    std::ifstream input(std::filesystem::path(dir) / name);
    if (!input) continue;
    std::stringstream buffer;
    buffer << input.rdbuf();
    std::string value = buffer.str();
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    if (!value.empty()) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string ConfigError::Message() const {
  return fmt::format("invalid configuration: {} is \"{}\"; allowed: {}", variable, value, allowed);
}

std::optional<int> ParseWeekdayName(const std::string& text) {
  static constexpr const char* kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  const std::string lower = Lower(text);
  for (int i = 0; i < 7; ++i) {
    if (lower == kDays[i]) return i;
  }
  return std::nullopt;
}

ConfigSources DefaultConfigSources() {
  ConfigSources sources;
  sources.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  if (auto dir = sources.getenv("BOT_SECRETS_DIR"); dir && !dir->empty()) {
    sources.secret_dirs = {*dir};
  } else {
    sources.secret_dirs = {"/run/secrets", "./secrets"};
  }
  return sources;
}

Expected<Config, ConfigError> LoadConfig(const ConfigSources& sources) {
  using Result = Expected<Config, ConfigError>;
  Config config;
  config.secret_dirs = sources.secret_dirs;
  const std::vector<Setting> settings = AllSettings();

  std::optional<std::string> file = sources.file_path;
  if (!file && sources.getenv) {
    if (auto from_env = sources.getenv("BOT_CONFIG_FILE"); from_env && !from_env->empty()) file = from_env;
  }
  if (file) {
    if (auto error = ApplyJsonFile(*file, settings, config)) return Result::Failure(*error);
  }

  if (sources.getenv) {
    for (const Setting& setting : settings) {
      auto value = sources.getenv(setting.env);
      if (!value) continue;
      if (!setting.apply(config, *value)) return Result::Failure(ConfigError{setting.env, *value, setting.allowed});
    }
  }

  config.secrets.discord_bot_token = ReadSecret(sources.secret_dirs, "discord_bot_token");
  config.secrets.redis_token = ReadSecret(sources.secret_dirs, "redis_token");
  config.secrets.metrics_api_token = ReadSecret(sources.secret_dirs, "metrics_api_token");
  return config;
}

int Config::ReadableAlertDays() const {
  if (data_retention.enabled) return std::min(response_metrics.retention_days, data_retention.alert_metrics_days);
  return response_metrics.retention_days;
}

std::string SecretFileLocations(const Config& config, const std::string& name) {
  if (config.secret_dirs.empty()) return "no secret folder is configured; set BOT_SECRETS_DIR";
  std::string text;
  for (const std::string& dir : config.secret_dirs) {
    if (!text.empty()) text += " or ";
    text += (std::filesystem::path(dir) / name).string();
  }
  return text;
}

std::vector<std::string> ConfigWarnings(const Config& config) {
  std::vector<std::string> warnings;
  // BOT_SECRETS_DIR replaces the two default folders, so a wrong path
  // leaves every secret unset.
  std::error_code error;
  if (config.secret_dirs.size() == 1 && !std::filesystem::is_directory(config.secret_dirs.front(), error)) {
    warnings.push_back(fmt::format("BOT_SECRETS_DIR is \"{}\", which is not a folder, so no secret was read; "
                                   "fix the path or create the folder",
                                   config.secret_dirs.front()));
  }
  const int expiry = config.response_metrics.retention_days;
  const int cleanup = config.data_retention.alert_metrics_days;
  if (config.data_retention.enabled && expiry != cleanup) {
    warnings.push_back(fmt::format(
        "BOT_RESPONSE_METRICS_RETENTION_DAYS ({}) and BOT_RETENTION_ALERT_METRICS_DAYS ({}) differ: alert records "
        "are kept {} days, and reports read weeks older than that from the daily aggregates; set both to the same "
        "number of days",
        expiry, cleanup, std::min(expiry, cleanup)));
  }
  return warnings;
}

nlohmann::json ConfigToJson(const Config& config) {
  auto secret = [](const std::optional<std::string>& value) { return value ? "(set)" : "(not set)"; };
  auto optional_text = [](const std::optional<std::string>& value) -> Json {
    return value ? Json(*value) : Json(nullptr);
  };
  static constexpr const char* kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

  Json redis_url = nullptr;
  if (config.redis.url) {
    auto endpoint = ParseRedisUrl(*config.redis.url);
    redis_url = endpoint.ok() && endpoint->password ? Json("(contains a password; hidden)") : Json(*config.redis.url);
  }
  Json webhook = nullptr;
  if (config.weekly_report.webhook_url) webhook = "(set; hidden, it contains the webhook token)";

  return {
      {"config_file", optional_text(config.config_file)},
      {"response_metrics",
       {{"enabled", config.response_metrics.enabled},
        {"retention_days", config.response_metrics.retention_days},
        {"aggregate_retention_days", config.response_metrics.aggregate_retention_days}}},
      {"weekly_report",
       {{"enabled", config.weekly_report.enabled},
        {"channel_id", config.weekly_report.channel_id ? Json(FormatSnowflake(*config.weekly_report.channel_id))
                                                       : Json(nullptr)},
        {"day", kDays[config.weekly_report.day]},
        {"hour", config.weekly_report.hour},
        {"catch_up_hours", config.weekly_report.catch_up_hours},
        {"webhook_url", webhook},
        {"community_name", config.weekly_report.community_name}}},
      {"data_retention",
       {{"enabled", config.data_retention.enabled},
        {"alert_metrics_days", config.data_retention.alert_metrics_days},
        {"aggregates_days", config.data_retention.aggregates_days},
        {"message_history_days", config.data_retention.message_history_days},
        {"session_data_days", config.data_retention.session_data_days},
        {"cleanup_hour", config.data_retention.cleanup_hour},
        {"batch_size", config.data_retention.batch_size}}},
      {"redis",
       {{"host", config.redis.host}, {"port", config.redis.port}, {"db", config.redis.db}, {"url", redis_url}}},
      {"http",
       {{"host", config.http.host},
        {"port", config.http.port},
        {"max_body_bytes", config.http.max_body_bytes},
        {"spool_path", config.spool_path}}},
      {"discord", {{"api_base_url", config.discord.api_base_url}}},
      {"logging", {{"level", config.logging.level}, {"file", optional_text(config.logging.file)}}},
      {"secrets",
       {{"discord_bot_token", secret(config.secrets.discord_bot_token)},
        {"redis_token", secret(config.secrets.redis_token)},
        {"metrics_api_token", secret(config.secrets.metrics_api_token)}}},
  };
}

Expected<RedisEndpoint> ResolveRedisEndpoint(const Config& config, const std::optional<std::string>& url_override) {
  RedisEndpoint endpoint;
  const std::optional<std::string>& url = url_override ? url_override : config.redis.url;
  if (url) {
    auto parsed = ParseRedisUrl(*url);
    if (!parsed.ok()) return parsed;
    endpoint = std::move(parsed).value();
  } else {
    endpoint.host = config.redis.host;
    endpoint.port = config.redis.port;
    endpoint.db = config.redis.db;
  }
  if (!endpoint.password && config.secrets.redis_token) endpoint.password = config.secrets.redis_token;
  return endpoint;
}

}  // namespace ash
