#pragma once

#include <optional>
#include <string>

namespace ash {

// Sends log lines to standard error (and to `file` when set), one line per
// event with a UTC timestamp and the level. Standard output stays free for
// command output such as reports.
void ConfigureLogging(const std::string& level, const std::optional<std::string>& file);

}  // namespace ash
