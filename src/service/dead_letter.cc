#include "service/dead_letter.h"

#include "storage/keys.h"

namespace ash {

RedisCommand DeadLetterCommand(const DeadLetter& letter) {
  return {"XADD",   std::string(keys::kDeadLetterStream),
          "MAXLEN", "~",
          std::to_string(kDeadLetterMaxLength), "*",
          "event",  letter.event,
          "reason", letter.reason,
          "field",  letter.field,
          "error",  letter.message,
          "source", letter.source};
}

}  // namespace ash
