// Measures one retention run on a large database: 100,000 history keys
// holding 1,000,000 entries and 200,000 alert records (hash layout, with
// lookups and index entries), two thirds past their limits. Prints the
// entries removed per second and the slowest Redis command of the run
// (SLOWLOG, threshold 100 us), plus per-command figures from INFO
// commandstats.
//
// Usage: retention_bench [--history-keys N] [--alerts N] [--batch N]
// It starts its own redis-server on a unix socket in a temporary folder.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "domain/civil_time.h"
#include "retention/retention_run.h"
#include "storage/redis_connection.h"
#include "util/subprocess.h"

namespace {

using ash::EpochMs;
using ash::RedisCommand;
using ash::RedisConnection;
using ash::RedisReply;

// A private redis-server, stopped by the destructor.
class BenchRedis {
 public:
  BenchRedis() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ash-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
    endpoint_.kind = ash::RedisEndpoint::Kind::kUnix;
    endpoint_.socket_path = directory_ + "/redis.sock";

    ash::SpawnOptions spawn;
    spawn.argv = {"redis-server", "--port", "0", "--unixsocket", endpoint_.socket_path, "--unixsocketperm", "700",
                  "--save", "", "--appendonly", "no", "--dir", directory_, "--logfile", directory_ + "/redis.log"};
    pid_ = ash::SpawnProcess(spawn);
    for (int attempt = 0; attempt < 500; ++attempt) {
      if (RedisConnection::Connect(endpoint_, std::chrono::milliseconds(200)).ok()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis-server did not start; is the redis-server package installed?");
  }
  ~BenchRedis() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  std::unique_ptr<RedisConnection> Connect() const {
    auto connection = RedisConnection::Connect(endpoint_, std::chrono::milliseconds(60000));
    if (!connection.ok()) throw std::runtime_error(connection.error());
    return std::move(connection).value();
  }

 private:
  std::string directory_;
  ash::RedisEndpoint endpoint_;
  pid_t pid_ = -1;
};

void Flush(RedisConnection& redis, std::vector<RedisCommand>& commands) {
  if (commands.empty()) return;
  for (const auto& reply : redis.Pipeline(commands)) reply.ExpectOk("load");
  commands.clear();
}

std::string Score(EpochMs ms) { return fmt::format("{}.{:03}123", ms / 1000, ms % 1000); }

// History: a third of the keys hold only old entries (removed whole), the
// others half old, half recent: 2/3 of the entries are past the limit.
void LoadHistory(RedisConnection& redis, int keys, EpochMs now) {
  std::vector<RedisCommand> commands;
  for (int k = 0; k < keys; ++k) {
    RedisCommand zadd = {"ZADD", fmt::format("ash:history:589172729449939425:{}", 1000000000000000000LL + k)};
    for (int j = 0; j < 10; ++j) {
      const bool old = k % 3 == 0 || j < 5;
      const EpochMs at = old ? now - (8 + j) * ash::kMsPerDay : now - (j - 4) * ash::kMsPerHour;
      zadd.push_back(Score(at));
      zadd.push_back(fmt::format(
          R"({{"message": "benchmark message number {} of key {}", "timestamp": "{}", "crisis_score": 0.5, "severity": "low", "message_id": "{}"}})",
          j, k, ash::FormatRfc3339(at), 1458141643464383882LL + k * 10 + j));
    }
    commands.push_back(std::move(zadd));
    if (commands.size() == 1000) Flush(redis, commands);
  }
  Flush(redis, commands);
}

void LoadAlerts(RedisConnection& redis, int alerts, EpochMs now) {
  std::vector<RedisCommand> commands;
  for (int i = 0; i < alerts; ++i) {
    const bool old = i % 3 != 0;
    const EpochMs created = old ? now - (91 + i % 200) * ash::kMsPerDay : now - (i % 80) * ash::kMsPerDay;
    const std::string alert_id = fmt::format("alert_{:012x}", i);
    const std::string message_id = std::to_string(1459737343545318614LL + i);
    commands.push_back({"HSET", "ash:metrics:alert:" + alert_id, "alert_id", alert_id, "alert_message_id",
                        message_id, "user_id", "258877960599111668", "channel_id", "652367420041863082",
                        "severity", "high", "channel_sensitivity", "1.0", "created_at", std::to_string(created),
                        "acknowledged_at", std::to_string(created + 112000), "acknowledged_by",
                        "609896068949621439", "time_to_acknowledge_seconds", "112"});
    commands.push_back({"SET", "ash:metrics:alert_lookup:" + message_id, alert_id});
    commands.push_back({"ZADD", "ash:metrics:index:created", std::to_string(created), alert_id});
    if (commands.size() >= 999) Flush(redis, commands);
  }
  Flush(redis, commands);
}

std::string UsedMemory(RedisConnection& redis) {
  const std::string info = redis.Command({"INFO", "memory"}).str();
  const size_t start = info.find("used_memory_human:");
  if (start == std::string::npos) return "used_memory unknown";
  return info.substr(start, info.find('\r', start) - start);
}

int Flag(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int history_keys = Flag(argc, argv, "--history-keys", 100000);
  const int alerts = Flag(argc, argv, "--alerts", 200000);
  ash::RetentionSettings settings;
  settings.batch_size = Flag(argc, argv, "--batch", settings.batch_size);
  const EpochMs now = *ash::ParseRfc3339("2026-01-20T03:00:00Z");

  BenchRedis server;
  auto redis = server.Connect();
  auto load_start = std::chrono::steady_clock::now();
  LoadHistory(*redis, history_keys, now);
  LoadAlerts(*redis, alerts, now);
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  fmt::print("loaded {} keys in {:.1f} s; {}\n", redis->Command({"DBSIZE"}).integer(), load_seconds,
             UsedMemory(*redis));

  redis->Command({"CONFIG", "SET", "slowlog-log-slower-than", "100"}).ExpectOk("CONFIG SET");
  redis->Command({"CONFIG", "SET", "slowlog-max-len", "100000"}).ExpectOk("CONFIG SET");
  redis->Command({"SLOWLOG", "RESET"}).ExpectOk("SLOWLOG RESET");
  redis->Command({"CONFIG", "RESETSTAT"}).ExpectOk("CONFIG RESETSTAT");

  auto run_connection = server.Connect();
  auto run_start = std::chrono::steady_clock::now();
  ash::RetentionReport report = ash::RunRetention(*run_connection, settings, now, false);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();

  std::cout << ash::RenderRetentionText(report) << "\n";
  fmt::print("after the run: {} keys; {}\n", redis->Command({"DBSIZE"}).integer(), UsedMemory(*redis));
  const std::int64_t entries = report.TotalEntriesRemoved();
  fmt::print("run: {:.2f} s; entries removed: {} ({:.0f}/s); keys removed: {} ({:.0f}/s)\n", seconds, entries,
             entries / seconds, report.TotalKeysRemoved(), report.TotalKeysRemoved() / seconds);

  RedisReply slowlog = redis->Command({"SLOWLOG", "GET", "100000"});
  std::int64_t slowest_us = 0;
  std::string slowest_command = "none above 100 us";
  for (const RedisReply& entry : slowlog.elements()) {
    const std::int64_t micros = entry.elements()[2].integer();
    if (micros <= slowest_us) continue;
    slowest_us = micros;
    slowest_command.clear();
    for (const RedisReply& arg : entry.elements()[3].elements()) {
      if (!slowest_command.empty()) slowest_command += ' ';
      slowest_command += arg.str().substr(0, 40);
    }
  }
  fmt::print("commands over 100 us: {}; slowest: {} us: {}\n", slowlog.elements().size(), slowest_us,
             slowest_command);

  std::string stats = redis->Command({"INFO", "commandstats"}).str();
  fmt::print("INFO commandstats (calls, usec_per_call):\n{}", stats);
  return report.ok() ? 0 : 1;
}
