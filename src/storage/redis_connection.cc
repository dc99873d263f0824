#include "storage/redis_connection.h"

#include <sys/time.h>

#include <hiredis/hiredis.h>

#include <fmt/format.h>

namespace ash {
namespace {

timeval ToTimeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using OwnedReply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

RedisReply::RedisReply(const redisReply* raw) {
  switch (raw->type) {
    case REDIS_REPLY_STRING:
      type_ = Type::kString;
      text_.assign(raw->str, raw->len);
      break;
    case REDIS_REPLY_STATUS:
      type_ = Type::kStatus;
      text_.assign(raw->str, raw->len);
      break;
    case REDIS_REPLY_ERROR:
      type_ = Type::kError;
      text_.assign(raw->str, raw->len);
      break;
    case REDIS_REPLY_INTEGER:
      type_ = Type::kInteger;
      integer_ = raw->integer;
      break;
    case REDIS_REPLY_ARRAY:
      type_ = Type::kArray;
      elements_.reserve(raw->elements);
      for (size_t i = 0; i < raw->elements; ++i) elements_.emplace_back(raw->element[i]);
      break;
    default:
      type_ = Type::kNil;
  }
}

const RedisReply& RedisReply::ExpectOk(std::string_view context) const {
  if (is_error()) throw RedisIoError(fmt::format("{}: Redis replied with an error: {}", context, text_));
  return *this;
}

Expected<std::unique_ptr<RedisConnection>> RedisConnection::Connect(const RedisEndpoint& endpoint,
                                                                    std::chrono::milliseconds timeout) {
  using Result = Expected<std::unique_ptr<RedisConnection>>;
  const timeval tv = ToTimeval(timeout);
  redisContext* context = endpoint.kind == RedisEndpoint::Kind::kUnix
                              ? redisConnectUnixWithTimeout(endpoint.socket_path.c_str(), tv)
                              : redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv);
  if (context == nullptr) {
    return Result::Failure(fmt::format("cannot connect to Redis at {}: out of memory", endpoint.Describe()));
  }
  if (context->err != 0) {
    std::string reason = context->errstr;
    redisFree(context);
    return Result::Failure(fmt::format("cannot connect to Redis at {}: {}", endpoint.Describe(), reason));
  }
  redisSetTimeout(context, tv);

  std::unique_ptr<RedisConnection> connection(new RedisConnection(context, endpoint));
  try {
    if (endpoint.password) {
      RedisReply auth = connection->Command({"AUTH", *endpoint.password});
      if (auth.is_error()) {
        return Result::Failure(fmt::format("cannot connect to Redis at {}: authentication failed: {}",
                                           endpoint.Describe(), auth.str()));
      }
    }
    RedisReply ping = connection->Command({"PING"});
    if (ping.is_error()) {
      return Result::Failure(fmt::format("cannot connect to Redis at {}: {}", endpoint.Describe(), ping.str()));
    }
    if (endpoint.db != 0) {
      RedisReply select = connection->Command({"SELECT", std::to_string(endpoint.db)});
      if (select.is_error()) {
        return Result::Failure(fmt::format("cannot select database {} on Redis at {}: {}", endpoint.db,
                                           endpoint.Describe(), select.str()));
      }
    }
  } catch (const RedisIoError& error) {
    return Result::Failure(error.what());
  }
  return connection;
}

RedisConnection::RedisConnection(redisContext* context, RedisEndpoint endpoint)
    : context_(context), endpoint_(std::move(endpoint)) {}

RedisConnection::~RedisConnection() { redisFree(context_); }

void RedisConnection::CheckContext(std::string_view what) {
  if (context_->err != 0) {
    throw RedisIoError(fmt::format("lost the connection to Redis at {} during {}: {}", endpoint_.Describe(),
                                   what, context_->errstr));
  }
}

RedisReply RedisConnection::Command(const RedisCommand& args) {
  return Pipeline({args}).front();
}

std::vector<RedisReply> RedisConnection::Pipeline(const std::vector<RedisCommand>& commands) {
  std::vector<const char*> argv;
  std::vector<size_t> argv_lengths;
  for (const RedisCommand& command : commands) {
    argv.clear();
    argv_lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      argv_lengths.push_back(arg.size());
    }
    redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), argv_lengths.data());
    CheckContext(commands.front().front());
  }

  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
      CheckContext(commands[i].front());
      throw RedisIoError(fmt::format("no reply from Redis at {} to {}", endpoint_.Describe(), commands[i].front()));
    }
    OwnedReply owned(static_cast<redisReply*>(raw));
    replies.emplace_back(owned.get());
  }
  return replies;
}

std::string RedisConnection::LoadScript(std::string_view script) {
  if (auto it = script_shas_.find(script); it != script_shas_.end()) return it->second;
  RedisReply reply = Command({"SCRIPT", "LOAD", std::string(script)});
  reply.ExpectOk("SCRIPT LOAD");
  script_shas_.emplace(std::string(script), reply.str());
  return reply.str();
}

RedisReply RedisConnection::Eval(std::string_view script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args) {
  RedisCommand command;
  command.reserve(3 + keys.size() + args.size());
  command.push_back("EVALSHA");
  command.push_back(LoadScript(script));
  command.push_back(std::to_string(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());

  RedisReply reply = Command(command);
  if (reply.is_error() && reply.str().starts_with("NOSCRIPT")) {
    script_shas_.erase(script_shas_.find(script));
    command[1] = LoadScript(script);
    reply = Command(command);
  }
  return reply;
}

}  // namespace ash
