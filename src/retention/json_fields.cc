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

namespace {

void AppendPythonStyle(const nlohmann::ordered_json& value, std::string& out) {
  if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [name, member] : value.items()) {
      if (!first) out += ", ";
      first = false;
      out += nlohmann::ordered_json(name).dump(-1, ' ', /*ensure_ascii=*/true);
      out += ": ";
      AppendPythonStyle(member, out);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ", ";
      AppendPythonStyle(value[i], out);
    }
    out += ']';
  } else {
    out += value.dump(-1, ' ', /*ensure_ascii=*/true);
  }
}

}  // namespace

std::string DumpPythonStyle(const nlohmann::ordered_json& value) {
  std::string out;
  AppendPythonStyle(value, out);
  return out;
}

}  // namespace ash
