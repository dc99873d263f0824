#include "cli/private_redis.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/cli_context.h"
#include "storage/redis_connection.h"
#include "util/subprocess.h"

namespace ash::cli {
namespace {

// State for the signal handler, which may only make async-signal-safe calls.
volatile pid_t g_server_pid = -1;
char g_socket_path[512];
char g_directory[512];

void StopOnSignal(int signal_number) {
  if (g_server_pid > 0) {
    kill(g_server_pid, SIGTERM);
    int status = 0;
    waitpid(g_server_pid, &status, 0);
  }
  unlink(g_socket_path);
  rmdir(g_directory);
  _exit(128 + signal_number);
}

}  // namespace

PrivateRedis::PrivateRedis() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ash-metrics-demo-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw CommandError{kExitFailed, "cannot create a temporary folder"};
  directory_ = pattern;
  socket_path_ = directory_ + "/redis.sock";
  if (socket_path_.size() >= sizeof(g_socket_path)) throw CommandError{kExitFailed, "temporary path is too long"};

  SpawnOptions spawn;
  spawn.argv = {"redis-server", "--port", "0", "--unixsocket", socket_path_, "--unixsocketperm", "700",
                "--save", "", "--appendonly", "no", "--dir", directory_, "--loglevel", "warning",
                "--logfile", directory_ + "/redis.log"};
  spawn.new_process_group = true;  // Ctrl-C reaches the demo, which stops the server itself
  spawn.terminate_with_parent = true;
  pid_t pid = -1;
  try {
    pid = SpawnProcess(spawn);
  } catch (const std::system_error& error) {
    throw CommandError{kExitFailed, fmt::format("cannot start redis-server: {}", error.what())};
  }
  pid_ = pid;
  g_server_pid = pid;
  std::snprintf(g_socket_path, sizeof(g_socket_path), "%s", socket_path_.c_str());
  std::snprintf(g_directory, sizeof(g_directory), "%s", directory_.c_str());
  signal(SIGINT, StopOnSignal);
  signal(SIGTERM, StopOnSignal);

  for (int attempt = 0; attempt < 500; ++attempt) {
    if (RedisConnection::Connect(endpoint(), std::chrono::milliseconds(200)).ok()) {
      spdlog::info("started a private redis-server (pid {}) on {}", pid_, socket_path_);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      g_server_pid = -1;
      Stop();
      const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
      throw CommandError{kExitFailed, missing ? "redis-server was not found: install the Debian package "
                                                "redis-server (scripts/setup.sh does)"
                                              : "redis-server exited at start; see its log above"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop();
  throw CommandError{kExitFailed, "redis-server did not respond within 5 seconds"};
}

PrivateRedis::~PrivateRedis() { Stop(); }

void PrivateRedis::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    spdlog::info("stopped the private redis-server (pid {})", pid_);
    pid_ = -1;
  }
  g_server_pid = -1;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

RedisEndpoint PrivateRedis::endpoint() const {
  RedisEndpoint endpoint;
  endpoint.kind = RedisEndpoint::Kind::kUnix;
  endpoint.socket_path = socket_path_;
  return endpoint;
}

}  // namespace ash::cli
