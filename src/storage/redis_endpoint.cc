#include "storage/redis_endpoint.h"

#include <charconv>

#include <fmt/format.h>

namespace ash {
namespace {

std::optional<int> ParseInt(std::string_view text, int min, int max) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

Expected<RedisEndpoint> ParseUnixUrl(std::string_view rest) {
  RedisEndpoint endpoint;
  endpoint.kind = RedisEndpoint::Kind::kUnix;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest.front() != '/') {
    return Expected<RedisEndpoint>::Failure(
        "the socket path must be absolute, as in unix:///run/redis/redis.sock");
  }
  endpoint.socket_path = std::string(rest);
  if (!query.empty()) {
    if (query.substr(0, 3) != "db=") {
      return Expected<RedisEndpoint>::Failure(
          fmt::format("unknown query \"{}\"; the only option is db=N", query));
    }
    auto db = ParseInt(query.substr(3), 0, 15);
    if (!db) {
      return Expected<RedisEndpoint>::Failure(
          fmt::format("database \"{}\" is not a number from 0 to 15", query.substr(3)));
    }
    endpoint.db = *db;
  }
  return endpoint;
}

Expected<RedisEndpoint> ParseTcpUrl(std::string_view rest) {
  RedisEndpoint endpoint;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    // Only the password form ":secret@" is supported: Redis ACL users would
    // need a user name that the bot's settings do not have.
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      userinfo = userinfo.substr(colon + 1);
    }
    if (!userinfo.empty()) endpoint.password = std::string(userinfo);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db_text = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db_text.empty()) {
      auto db = ParseInt(db_text, 0, 15);
      if (!db) {
        return Expected<RedisEndpoint>::Failure(
            fmt::format("database \"{}\" is not a number from 0 to 15", db_text));
      }
      endpoint.db = *db;
    }
  }
  std::string_view host = rest;
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.front() != '[') {
    host = rest.substr(0, colon);
    auto port = ParseInt(rest.substr(colon + 1), 1, 65535);
    if (!port) {
      return Expected<RedisEndpoint>::Failure(
          fmt::format("port \"{}\" is not a number from 1 to 65535", rest.substr(colon + 1)));
    }
    endpoint.port = *port;
  }
  if (host.empty()) {
    return Expected<RedisEndpoint>::Failure("the host is missing, as in redis://127.0.0.1:6379/0");
  }
  endpoint.host = std::string(host);
  return endpoint;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
  if (kind == Kind::kUnix) return fmt::format("unix:{} db {}", socket_path, db);
  return fmt::format("{}:{} db {}", host, port, db);
}

Expected<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kTcp = "redis://";
  constexpr std::string_view kUnix = "unix://";
  Expected<RedisEndpoint> parsed = Expected<RedisEndpoint>::Failure("");
  if (url.substr(0, kTcp.size()) == kTcp) {
    parsed = ParseTcpUrl(url.substr(kTcp.size()));
  } else if (url.substr(0, kUnix.size()) == kUnix) {
    parsed = ParseUnixUrl(url.substr(kUnix.size()));
  } else {
    return Expected<RedisEndpoint>::Failure(
        "invalid Redis URL: use redis://[:password@]host:port/db or unix:///path/to/socket?db=N");
  }
  if (!parsed.ok()) {
    return Expected<RedisEndpoint>::Failure("invalid Redis URL: " + parsed.error());
  }
  return parsed;
}

}  // namespace ash
