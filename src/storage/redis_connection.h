#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/redis_endpoint.h"
#include "util/expected.h"

struct redisContext;
struct redisReply;

namespace ash {

// Thrown when the connection to Redis fails or is lost mid-command. Error
// replies from the server are not exceptions: they arrive as RedisReply.
class RedisIoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An owned copy of one Redis reply.
class RedisReply {
 public:
  enum class Type { kNil, kString, kStatus, kError, kInteger, kArray };

  RedisReply() = default;
  explicit RedisReply(const redisReply* raw);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  bool is_error() const { return type_ == Type::kError; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_integer() const { return type_ == Type::kInteger; }
  // String, status and error replies.
  const std::string& str() const { return text_; }
  std::int64_t integer() const { return integer_; }
  const std::vector<RedisReply>& elements() const { return elements_; }

  // Throws RedisIoError naming `context` if this is an error reply.
  const RedisReply& ExpectOk(std::string_view context) const;

 private:
  Type type_ = Type::kNil;
  std::string text_;
  std::int64_t integer_ = 0;
  std::vector<RedisReply> elements_;
};

using RedisCommand = std::vector<std::string>;

// One blocking connection (hiredis). Not thread-safe: give each thread its
// own. Every call throws RedisIoError when the connection is lost, after
// which the object is unusable.
class RedisConnection {
 public:
  // Connects, authenticates and selects the database. The error names the
  // endpoint and the reason.
  static Expected<std::unique_ptr<RedisConnection>> Connect(
      const RedisEndpoint& endpoint,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  RedisReply Command(const RedisCommand& args);

  // Sends all commands in one write, then reads every reply, in order.
  std::vector<RedisReply> Pipeline(const std::vector<RedisCommand>& commands);

  // Loads a Lua script (SCRIPT LOAD) and returns its SHA1 for EVALSHA.
  std::string LoadScript(std::string_view script);

  // EVALSHA of a script, loading it first when the server does not know it
  // (a restarted server, or SCRIPT FLUSH).
  RedisReply Eval(std::string_view script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args);

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  RedisConnection(redisContext* context, RedisEndpoint endpoint);
  void CheckContext(std::string_view what);

  redisContext* context_;
  RedisEndpoint endpoint_;
  std::map<std::string, std::string, std::less<>> script_shas_;  // script text -> SHA1
};

// Opens a new connection, for a long-running task that calls it again after
// losing one.
using RedisConnector = std::function<Expected<std::unique_ptr<RedisConnection>>()>;

}  // namespace ash
