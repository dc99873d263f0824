#include "retention/json_fields.h"

#include "domain/civil_time.h"

namespace ash {

std::optional<EpochMs> JsonTimestamp(const nlohmann::json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return ParseRfc3339(it->get_ref<const std::string&>());
}

std::optional<nlohmann::json> ParseJsonObject(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

}  // namespace ash
