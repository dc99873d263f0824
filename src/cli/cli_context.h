#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "domain/clock.h"
#include "storage/event_store.h"
#include "storage/redis_connection.h"

namespace ash::cli {

// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // rejected events, a failed post or run
inline constexpr int kExitUsage = 2;        // bad arguments or configuration
inline constexpr int kExitRedisDown = 3;    // cannot reach Redis

// Thrown by commands to end with a message and an exit code.
struct CommandError {
  int exit_code;
  std::string message;
};

// The inputs of every command: the loaded configuration, the global
// options and the clock.
struct CliContext {
  Config config;
  std::optional<std::string> redis_url;  // --redis-url
  std::optional<EpochMs> now_override;   // --now
  std::unique_ptr<Clock> clock;

  EpochMs Now() const { return clock->NowMs(); }
  StoreSettings store_settings() const {
    return {config.response_metrics.retention_days, config.response_metrics.aggregate_retention_days};
  }

  // Connects to Redis or throws CommandError with exit code 3, naming the
  // endpoint, the reason and what to check.
  std::unique_ptr<RedisConnection> ConnectRedis() const;
};

// Parses the --format value; throws CommandError (exit 2) for others.
enum class OutputFormat { kText, kJson, kDiscord };
OutputFormat ParseFormat(const std::string& text, bool allow_discord = false);

}  // namespace ash::cli
