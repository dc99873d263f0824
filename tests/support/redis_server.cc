#include "support/redis_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/subprocess.h"

namespace ash::testing {
namespace {

int FindFreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind a loopback port for redis-server");
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string FormatScore(double score) { return fmt::format("{:.17g}", score); }

}  // namespace

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options) : options_(std::move(options)) {
  // Tests stop servers under live connections; like the program's main(),
  // they must see a closed socket as an error, not die of SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::string pattern = (std::filesystem::temp_directory_path() / "ash-redis-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  socket_path_ = directory_ + "/redis.sock";
  if (options_.tcp) port_ = FindFreeLoopbackPort();
  Start();
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

void RedisServer::Start() {
  if (pid_ > 0) return;
  std::vector<std::string> args = {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--unixsocket", socket_path_, "--unixsocketperm", "700",
                                   "--save", "", "--appendonly", "no", "--dir", directory_,
                                   "--daemonize", "no", "--loglevel", "warning",
                                   "--logfile", directory_ + "/redis.log"};
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  SpawnOptions spawn;
  spawn.argv = std::move(args);
  pid_ = SpawnProcess(spawn);

  // Wait until the server accepts a connection on its socket. A loaded
  // machine may take seconds, so the deadline is generous.
  const RedisEndpoint probe = endpoint();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto connection = RedisConnection::Connect(probe, std::chrono::milliseconds(200));
    if (connection.ok()) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start; is the redis-server package installed?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop();
  throw std::runtime_error("redis-server did not answer within 30 seconds; see " + directory_ + "/redis.log");
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  std::error_code ignored;
  std::filesystem::remove(socket_path_, ignored);
}

RedisEndpoint RedisServer::endpoint() const {
  RedisEndpoint endpoint;
  endpoint.kind = RedisEndpoint::Kind::kUnix;
  endpoint.socket_path = socket_path_;
  if (!options_.password.empty()) endpoint.password = options_.password;
  return endpoint;
}

std::string RedisServer::url() const { return "unix://" + socket_path_ + "?db=0"; }

std::string RedisServer::tcp_url() const { return fmt::format("redis://127.0.0.1:{}/0", port_); }

std::unique_ptr<RedisConnection> RedisServer::Connect() const {
  auto connection = RedisConnection::Connect(endpoint());
  if (!connection.ok()) throw std::runtime_error(connection.error());
  return std::move(connection).value();
}

void RedisServer::FlushAll() const { Connect()->Command({"FLUSHALL"}).ExpectOk("FLUSHALL"); }

RedisServer& SharedRedis() {
  static RedisServer server;
  return server;
}

int LoadRedisExport(RedisConnection& connection, const std::string& path) {
  std::ifstream input(path);
  if (!input) throw std::runtime_error("cannot open " + path);
  int loaded = 0;
  std::string line;
  while (std::getline(input, line)) {
    if (line.empty()) continue;
    nlohmann::json entry = nlohmann::json::parse(line);
    const std::string key = entry.at("key");
    const std::string type = entry.at("type");
    const std::int64_t ttl_ms = entry.at("ttl_ms");
    const nlohmann::json& value = entry.at("value");

    std::vector<RedisCommand> commands = {{"DEL", key}};
    if (type == "string") {
      commands.push_back({"SET", key, value.get<std::string>()});
    } else if (type == "zset") {
      RedisCommand zadd = {"ZADD", key};
      for (const auto& pair : value) {
        zadd.push_back(FormatScore(pair.at(1).get<double>()));
        zadd.push_back(pair.at(0).get<std::string>());
      }
      commands.push_back(zadd);
    } else if (type == "hash") {
      RedisCommand hset = {"HSET", key};
      for (const auto& [field, field_value] : value.items()) {
        hset.push_back(field);
        hset.push_back(field_value.get<std::string>());
      }
      commands.push_back(hset);
    } else if (type == "set" || type == "list") {
      RedisCommand add = {type == "set" ? "SADD" : "RPUSH", key};
      for (const auto& item : value) add.push_back(item.get<std::string>());
      commands.push_back(add);
    } else {
      throw std::runtime_error("unknown type " + type + " for key " + key);
    }
    if (ttl_ms > 0) commands.push_back({"PEXPIRE", key, std::to_string(ttl_ms)});
    for (const RedisReply& reply : connection.Pipeline(commands)) reply.ExpectOk("load " + key);
    ++loaded;
  }
  return loaded;
}

std::string TestDataPath(const std::string& name) { return std::string(ASH_SOURCE_DIR) + "/tests/data/" + name; }

}  // namespace ash::testing
