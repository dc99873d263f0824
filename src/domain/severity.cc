#include "domain/severity.h"

#include <cstddef>

namespace ash {
namespace {

constexpr std::array<std::string_view, 4> kSeverityNames = {"low", "medium", "high", "critical"};

bool EqualsIgnoringAsciiCase(std::string_view text, std::string_view lower_case) {
  if (text.size() != lower_case.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_case[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  return kSeverityNames[static_cast<std::size_t>(severity)];
}

std::optional<Severity> ParseSeverity(std::string_view text) {
  for (Severity severity : kAllSeverities) {
    if (EqualsIgnoringAsciiCase(text, SeverityName(severity))) return severity;
  }
  return std::nullopt;
}

}  // namespace ash
