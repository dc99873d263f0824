#include "retention/retention_settings.h"

#include <fmt/format.h>

namespace ash {
namespace {

std::optional<std::string> CheckRange(const char* name, int value, int low, int high) {
  if (value >= low && value <= high) return std::nullopt;
  return fmt::format("data retention setting {} is {}; allowed range is {} to {}", name, value, low, high);
}

}  // namespace

std::optional<std::string> ValidateRetentionSettings(const RetentionSettings& settings) {
  const struct {
    const char* name;
    int value;
    int low;
    int high;
  } checks[] = {
      {"alert_metrics_days", settings.alert_metrics_days, 1, 365},
      {"aggregates_days", settings.aggregates_days, 30, 730},
      {"message_history_days", settings.message_history_days, 1, 30},
      {"session_data_days", settings.session_data_days, 7, 90},
      {"cleanup_hour", settings.cleanup_hour, 0, 23},
      {"batch_size", settings.batch_size, 10, 10000},
  };
  for (const auto& check : checks) {
    if (auto error = CheckRange(check.name, check.value, check.low, check.high)) return error;
  }
  return std::nullopt;
}

}  // namespace ash
