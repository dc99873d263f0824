#pragma once

#include <string>
#include <utility>
#include <vector>

#include "domain/alert_record.h"

namespace ash {

// The field/value pairs of a record in the current hash layout (fields that
// are not set are left out), as the Lua script and docs/storage.md name them.
std::vector<std::pair<std::string, std::string>> AlertRecordToHash(const AlertRecord& record);

}  // namespace ash
