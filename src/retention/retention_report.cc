#include "retention/retention_report.h"

#include <fmt/format.h>

#include "domain/civil_time.h"

namespace ash {

std::int64_t RetentionReport::TotalKeysRemoved() const {
  std::int64_t total = 0;
  for (const CategoryReport& category : categories) total += category.keys_removed;
  return total;
}

std::int64_t RetentionReport::TotalEntriesRemoved() const {
  std::int64_t total = 0;
  for (const CategoryReport& category : categories) total += category.entries_removed;
  return total;
}

nlohmann::json RetentionToJson(const RetentionReport& report) {
  nlohmann::json categories = nlohmann::json::array();
  for (const CategoryReport& category : report.categories) {
    categories.push_back({
        {"name", category.name},
        {"limit_days", category.limit_days},
        {"completed", category.completed},
        {"keys_scanned", category.keys_scanned},
        {"keys_removed", category.keys_removed},
        {"entries_removed", category.entries_removed},
        {"expiries_set", category.expiries_set},
        {"keys_skipped", category.keys_skipped},
        {"duration_ms", category.duration_ms},
    });
  }
  return {
      {"now", FormatRfc3339(report.now)},
      {"now_ms", report.now},
      {"dry_run", report.dry_run},
      {"ok", report.ok()},
      {"duration_ms", report.duration_ms},
      {"keys_removed", report.TotalKeysRemoved()},
      {"entries_removed", report.TotalEntriesRemoved()},
      {"categories", categories},
      {"error", report.error ? nlohmann::json(*report.error) : nlohmann::json(nullptr)},
  };
}

std::optional<RetentionReport> RetentionFromJson(const nlohmann::json& json) {
  try {
    RetentionReport report;
    report.now = json.at("now_ms").get<EpochMs>();
    report.dry_run = json.at("dry_run").get<bool>();
    report.duration_ms = json.at("duration_ms").get<std::int64_t>();
    if (!json.at("error").is_null()) report.error = json.at("error").get<std::string>();
    for (const nlohmann::json& item : json.at("categories")) {
      CategoryReport category;
      category.name = item.at("name").get<std::string>();
      category.limit_days = item.at("limit_days").get<int>();
      category.completed = item.at("completed").get<bool>();
      category.keys_scanned = item.at("keys_scanned").get<std::int64_t>();
      category.keys_removed = item.at("keys_removed").get<std::int64_t>();
      category.entries_removed = item.at("entries_removed").get<std::int64_t>();
      category.expiries_set = item.at("expiries_set").get<std::int64_t>();
      category.keys_skipped = item.at("keys_skipped").get<std::int64_t>();
      category.duration_ms = item.at("duration_ms").get<std::int64_t>();
      report.categories.push_back(std::move(category));
    }
    return report;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string RenderRetentionText(const RetentionReport& report) {
  std::string text = fmt::format("Data retention {}at {}\n\n", report.dry_run ? "dry run (nothing changed) " : "run ",
                                 FormatRfc3339(report.now));
  text += fmt::format("{:<18} {:>6} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}  {}\n", "category", "limit", "scanned",
                      "keys", "entries", "expiries", "skipped", "ms", "status");
  for (const CategoryReport& category : report.categories) {
    std::string limit = category.limit_days > 0 ? fmt::format("{}d", category.limit_days) : "own";
    text += fmt::format("{:<18} {:>6} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}  {}\n", category.name, limit,
                        category.keys_scanned, category.keys_removed, category.entries_removed,
                        category.expiries_set, category.keys_skipped, category.duration_ms,
                        category.completed ? "done" : "not finished");
  }
  text += fmt::format("\n{} {} keys and {} entries in {} ms.\n", report.dry_run ? "Would remove" : "Removed",
                      report.TotalKeysRemoved(), report.TotalEntriesRemoved(), report.duration_ms);
  text += "(keys: keys removed; entries: history entries and index entries removed; expiries: expiries set)\n";
  if (report.error) {
    text += fmt::format("Error: {}\nThe next run continues where this one stopped.\n", *report.error);
  }
  return text;
}

}  // namespace ash
