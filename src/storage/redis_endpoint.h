#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/expected.h"

namespace ash {

// Where and how to reach Redis.
struct RedisEndpoint {
  enum class Kind { kTcp, kUnix };

  Kind kind = Kind::kTcp;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string socket_path;  // kUnix only
  int db = 0;
  std::optional<std::string> password;

  // "127.0.0.1:6379 db 0" or "unix:/path/redis.sock db 0"; never the password.
  std::string Describe() const;
};

// Parses "redis://[:password@]host:port[/db]" or
// "unix:///path/to/socket[?db=N]". The error names the part that is wrong.
Expected<RedisEndpoint> ParseRedisUrl(std::string_view url);

}  // namespace ash
