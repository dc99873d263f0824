#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "storage/redis_connection.h"
#include "storage/redis_endpoint.h"

namespace ash::testing {

// A private redis-server for one test process: it listens on a unix socket
// in a fresh temporary folder (and, when asked, on a free loopback TCP
// port), keeps nothing on disk, and is stopped by the destructor.
class RedisServer {
 public:
  struct Options {
    bool tcp = false;  // also listen on 127.0.0.1 on a free port
    std::string password;
  };

  RedisServer();
  explicit RedisServer(Options options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Stops the server (SIGTERM, then waits). Start() brings it back on the
  // same socket and port, empty.
  void Stop();
  void Start();
  bool running() const { return pid_ > 0; }

  const std::string& socket_path() const { return socket_path_; }
  int port() const { return port_; }  // 0 unless Options::tcp
  const std::string& directory() const { return directory_; }

  RedisEndpoint endpoint() const;  // the unix socket, db 0
  std::string url() const;         // "unix:///...?db=0"
  std::string tcp_url() const;     // "redis://127.0.0.1:PORT/0", needs Options::tcp

  std::unique_ptr<RedisConnection> Connect() const;
  void FlushAll() const;

 private:
  Options options_;
  std::string directory_;
  std::string socket_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The process-wide server that most tests share: started on first use and
// stopped at exit. Tests empty it in SetUp with FlushAll().
RedisServer& SharedRedis();

// Loads an export in the JSON Lines format of the Ash-Bot v5 fixture
// ({"key", "type", "ttl_ms", "value"} per line) into the server, like the
// fixture's Python loader. Returns the number of keys loaded.
int LoadRedisExport(RedisConnection& connection, const std::string& path);

// Path of a file under tests/data.
std::string TestDataPath(const std::string& name);

}  // namespace ash::testing
