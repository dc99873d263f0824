#pragma once

#include <string>
#include <string_view>

#include "storage/redis_connection.h"

namespace ash {

// Approximate length kept by the dead-letter stream (XADD MAXLEN ~).
inline constexpr int kDeadLetterMaxLength = 100000;

// An event that can never apply, and why.
struct DeadLetter {
  std::string event;   // the original JSON text, as received
  std::string reason;  // "unknown_alert", "invalid" or "missing_event_field"
  std::string field;   // the invalid field, "" when none
  std::string message; // the error in words
  std::string source;  // "stream:<entry id>" or "spool"
};

// The XADD command that appends the letter to ash:metrics:events:dead.
RedisCommand DeadLetterCommand(const DeadLetter& letter);

}  // namespace ash
