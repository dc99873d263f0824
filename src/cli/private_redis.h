#pragma once

#include <sys/types.h>

#include <string>

#include "storage/redis_endpoint.h"

namespace ash::cli {

// A throwaway redis-server for `demo`. It listens only on a unix socket in
// a fresh temporary folder and keeps nothing on disk. The destructor stops
// it, and so do SIGINT or SIGTERM to this process and, through
// PR_SET_PDEATHSIG, the death of this process.
class PrivateRedis {
 public:
  // Starts the server and waits until it replies to PING. Throws CommandError when
  // redis-server is missing or does not start.
  PrivateRedis();
  ~PrivateRedis();
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  RedisEndpoint endpoint() const;
  std::string url() const { return "unix://" + socket_path_; }

 private:
  void Stop();

  std::string directory_;
  std::string socket_path_;
  pid_t pid_ = -1;
};

}  // namespace ash::cli
