#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace ash {

// Ordered from least to most severe; the value indexes per-severity arrays.
enum class Severity { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };

inline constexpr std::array<Severity, 4> kAllSeverities = {Severity::kLow, Severity::kMedium,
                                                           Severity::kHigh, Severity::kCritical};

// "low", "medium", "high", "critical".
std::string_view SeverityName(Severity severity);

// Case-insensitive; nullopt for any other text.
std::optional<Severity> ParseSeverity(std::string_view text);

}  // namespace ash
