#include "storage/legacy_import.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/alert_record.h"
#include "storage/keys.h"

namespace ash {
namespace {

// Calls visit(keys) for each batch of keys matching pattern with the given
// Redis type.
template <typename Visit>
void ScanKeysOfType(RedisConnection& connection, const std::string& pattern, const std::string& type,
                    int batch_size, Visit visit) {
  std::string cursor = "0";
  do {
    RedisReply reply = connection.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(batch_size),
                                           "TYPE", type});
    reply.ExpectOk("SCAN " + pattern);
    cursor = reply.elements().at(0).str();
    std::vector<std::string> found;
    for (const RedisReply& key : reply.elements().at(1).elements()) found.push_back(key.str());
    if (!found.empty()) visit(found);
  } while (cursor != "0");
}

std::string AlertIdOfKey(const std::string& key) { return key.substr(keys::kAlertPrefix.size()); }

void IndexBatch(RedisConnection& connection, const std::vector<std::string>& alert_keys,
                const LegacyImportOptions& options, LegacyImportReport& report) {
  std::vector<RedisCommand> reads;
  for (const std::string& key : alert_keys) reads.push_back({"ZRANGE", key, "-1", "-1"});
  std::vector<RedisReply> newest = connection.Pipeline(reads);

  std::vector<RedisCommand> writes;
  for (size_t i = 0; i < alert_keys.size(); ++i) {
    if (newest[i].is_error() || newest[i].elements().empty()) continue;
    ++report.records_found;
    auto record = ParseV5AlertRecord(newest[i].elements().front().str());
    if (!record.ok()) {
      ++report.unreadable;
      report.errors.push_back(fmt::format("{}: {}", alert_keys[i], record.error()));
      continue;
    }
    const std::string score = std::to_string(record->created_at);
    if (options.dry_run) {
      writes.push_back({"ZSCORE", std::string(keys::kCreatedIndex), record->alert_id});
    } else {
      writes.push_back({"ZADD", std::string(keys::kCreatedIndex), "NX", score, record->alert_id});
    }
  }
  if (writes.empty()) return;
  for (const RedisReply& reply : connection.Pipeline(writes)) {
    reply.ExpectOk("index v5 alert record");
    const bool added = options.dry_run ? reply.is_nil() : reply.integer() == 1;
    if (added) {
      ++report.indexed;
    } else {
      ++report.already_done;
    }
  }
}

void ConvertBatch(RedisConnection& connection, EventStore& store, const std::vector<std::string>& alert_keys,
                  EpochMs now, const LegacyImportOptions& options, LegacyImportReport& report) {
  for (const std::string& key : alert_keys) {
    ++report.records_found;
    const std::string alert_id = AlertIdOfKey(key);
    if (options.dry_run) {
      RedisReply newest = connection.Command({"ZRANGE", key, "-1", "-1"});
      if (newest.is_error() || newest.elements().empty()) continue;
      auto record = ParseV5AlertRecord(newest.elements().front().str());
      if (!record.ok()) {
        ++report.unreadable;
        report.errors.push_back(fmt::format("{}: {}", key, record.error()));
      } else {
        ++report.converted;
      }
      continue;
    }
    try {
      switch (store.ConvertLegacyRecord(alert_id, now)) {
        case EventStore::Conversion::kConverted:
          ++report.converted;
          break;
        case EventStore::Conversion::kExpired:
          ++report.expired;
          break;
        case EventStore::Conversion::kNotLegacy:
          --report.records_found;
          break;
      }
    } catch (const RedisIoError& error) {
      if (connection.Command({"PING"}).is_error()) throw;
      ++report.unreadable;
      report.errors.push_back(fmt::format("{}: {}", key, error.what()));
    }
  }
}

}  // namespace

LegacyImportReport ImportLegacy(RedisConnection& connection, const StoreSettings& settings, EpochMs now,
                                const LegacyImportOptions& options) {
  LegacyImportReport report;
  report.convert = options.convert;
  report.dry_run = options.dry_run;
  EventStore store(connection, settings);
  const std::string pattern = std::string(keys::kAlertPrefix) + "*";

  // SCAN may return a key more than once; collect first so each record is
  // handled once, and so conversions do not disturb the running scan.
  std::vector<std::string> alert_keys;
  ScanKeysOfType(connection, pattern, "zset", options.batch_size, [&](const std::vector<std::string>& found) {
    alert_keys.insert(alert_keys.end(), found.begin(), found.end());
  });
  std::sort(alert_keys.begin(), alert_keys.end());
  alert_keys.erase(std::unique(alert_keys.begin(), alert_keys.end()), alert_keys.end());

  for (size_t start = 0; start < alert_keys.size(); start += static_cast<size_t>(options.batch_size)) {
    const size_t end = std::min(alert_keys.size(), start + static_cast<size_t>(options.batch_size));
    std::vector<std::string> batch(alert_keys.begin() + static_cast<std::ptrdiff_t>(start),
                                   alert_keys.begin() + static_cast<std::ptrdiff_t>(end));
    if (options.convert) {
      ConvertBatch(connection, store, batch, now, options, report);
    } else {
      IndexBatch(connection, batch, options, report);
    }
  }

  if (options.convert) {
    ScanKeysOfType(connection, std::string(keys::kDailyPrefix) + "*", "zset", options.batch_size,
                   [&](const std::vector<std::string>& found) {
                     report.legacy_aggregates_left += static_cast<std::int64_t>(found.size());
                   });
  }
  spdlog::info("import-legacy{}{}: {} v5 records, {} indexed, {} already indexed, {} converted, {} expired, "
               "{} unreadable",
               options.convert ? " --convert" : "", options.dry_run ? " --dry-run" : "", report.records_found,
               report.indexed, report.already_done, report.converted, report.expired, report.unreadable);
  return report;
}

std::string RenderLegacyImportText(const LegacyImportReport& report) {
  std::string text;
  text += fmt::format("Ash-Bot v5 alert records found: {}\n", report.records_found);
  if (report.convert) {
    text += fmt::format("Converted to the current layout{}: {}\n", report.dry_run ? " (dry run)" : "",
                        report.converted);
    if (!report.dry_run) text += fmt::format("Deleted, past the alert retention: {}\n", report.expired);
    if (!report.dry_run && report.legacy_aggregates_left > 0) {
      text += fmt::format("v5 daily aggregates left with no alert record to rebuild from: {} (not used by "
                          "reports)\n",
                          report.legacy_aggregates_left);
    }
  } else {
    text += fmt::format("Newly indexed{}: {}\n", report.dry_run ? " (dry run)" : "", report.indexed);
    text += fmt::format("Already indexed: {}\n", report.already_done);
  }
  text += fmt::format("Unreadable, left untouched: {}\n", report.unreadable);
  for (const std::string& error : report.errors) text += "  " + error + "\n";
  if (report.dry_run) text += "Dry run: nothing was changed.\n";
  return text;
}

nlohmann::json LegacyImportToJson(const LegacyImportReport& report) {
  return {{"convert", report.convert},
          {"dry_run", report.dry_run},
          {"records_found", report.records_found},
          {"indexed", report.indexed},
          {"already_indexed", report.already_done},
          {"converted", report.converted},
          {"expired", report.expired},
          {"unreadable", report.unreadable},
          {"legacy_aggregates_left", report.legacy_aggregates_left},
          {"errors", report.errors}};
}

}  // namespace ash
