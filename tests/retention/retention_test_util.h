#pragma once

#include <map>
#include <string>
#include <vector>

#include "domain/civil_time.h"
#include "domain/clock.h"
#include "storage/redis_connection.h"

namespace ash::retention_test {

inline EpochMs At(const char* rfc3339) { return ParseRfc3339(rfc3339).value(); }

// Every key with its type, serialized value (DUMP) and absolute expiry
// (PEXPIRETIME, -1 for none), for before/after comparisons.
inline std::map<std::string, std::string> DumpAll(RedisConnection& connection) {
  std::map<std::string, std::string> dump;
  RedisReply keys = connection.Command({"KEYS", "*"});
  for (const RedisReply& key : keys.elements()) {
    auto replies = connection.Pipeline({{"TYPE", key.str()}, {"DUMP", key.str()}, {"PEXPIRETIME", key.str()}});
    dump[key.str()] = replies[0].str() + "|" + replies[1].str() + "|" + std::to_string(replies[2].integer());
  }
  return dump;
}

inline bool Exists(RedisConnection& connection, const std::string& key) {
  return connection.Command({"EXISTS", key}).integer() == 1;
}

inline std::int64_t Pttl(RedisConnection& connection, const std::string& key) {
  return connection.Command({"PTTL", key}).integer();
}

// Epoch seconds with microseconds, as the bot scores history entries.
inline std::string Score(EpochMs ms) { return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 + 1000).substr(1); }

}  // namespace ash::retention_test
