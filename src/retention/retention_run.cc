#include "retention/retention_run.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/civil_time.h"
#include "domain/snowflake.h"
#include "retention/json_fields.h"
#include "retention/key_scan.h"
#include "retention/retention_keys.h"

namespace ash {
namespace {

namespace keys = retention_keys;

std::int64_t ElapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

std::optional<std::int64_t> ParseInt64(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The creation time and lookup key of one alert record, read from either
// layout. Empty when the record is gone or unreadable.
struct AlertFacts {
  bool exists = false;
  bool readable = false;
  EpochMs created_at = 0;
  std::optional<std::string> lookup_key;
};

// One retention run over one connection. Every step is idempotent, so a run
// that stops half way is finished by the next one.
class RetentionRun {
 public:
  RetentionRun(RedisConnection& connection, const RetentionSettings& settings, EpochMs now,
               const RetentionRunOptions& options)
      : connection_(connection), settings_(settings), now_(now), options_(options) {}

  void CleanAlertMetrics(CategoryReport& report);
  void CleanDailyAggregates(CategoryReport& report);
  void CleanMessageHistory(CategoryReport& report);
  void CleanSessions(CategoryReport& report);
  void CleanOptOuts(CategoryReport& report);
  void CleanDeadLetters(CategoryReport& report);

 private:
  EpochMs CutoffMs(int days) const { return now_ - static_cast<EpochMs>(days) * kMsPerDay; }
  void AfterBatch(const CategoryReport& report) {
    if (options_.after_batch) options_.after_batch(report.name);
  }
  std::vector<AlertFacts> ReadAlertFacts(const std::vector<std::string>& record_keys);
  void RemoveAlerts(const std::vector<std::string>& alert_ids, const std::vector<AlertFacts>& facts,
                    CategoryReport& report);

  RedisConnection& connection_;
  const RetentionSettings& settings_;
  EpochMs now_;
  const RetentionRunOptions& options_;
};

std::vector<AlertFacts> RetentionRun::ReadAlertFacts(const std::vector<std::string>& record_keys) {
  std::vector<RedisCommand> type_commands;
  for (const std::string& key : record_keys) type_commands.push_back({"TYPE", key});
  std::vector<RedisReply> types = connection_.Pipeline(type_commands);

  // The current layout is a hash; the v5 layout a sorted set of JSON
  // versions, the newest (highest score) being current.
  std::vector<RedisCommand> reads;
  for (size_t i = 0; i < record_keys.size(); ++i) {
    if (types[i].str() == "hash") {
      reads.push_back({"HMGET", record_keys[i], "created_at", "alert_message_id"});
    } else if (types[i].str() == "zset") {
      reads.push_back({"ZRANGE", record_keys[i], "-1", "-1"});
    }
  }
  std::vector<RedisReply> replies = reads.empty() ? std::vector<RedisReply>{} : connection_.Pipeline(reads);

  std::vector<AlertFacts> facts(record_keys.size());
  size_t next_reply = 0;
  for (size_t i = 0; i < record_keys.size(); ++i) {
    const std::string& type = types[i].str();
    facts[i].exists = type != "none";
    if (type != "hash" && type != "zset") continue;
    const RedisReply& reply = replies[next_reply++];
    if (!reply.is_array() || reply.elements().empty()) continue;

    if (type == "hash") {
      auto created = ParseInt64(reply.elements()[0].str());
      if (!created) continue;
      facts[i].created_at = *created;
      if (!reply.elements()[1].is_nil()) {
        facts[i].lookup_key = keys::Join(keys::kAlertLookupPrefix, reply.elements()[1].str());
      }
      facts[i].readable = true;
    } else {
      auto record = ParseJsonObject(reply.elements()[0].str());
      if (!record) continue;
      auto created = JsonTimestamp(*record, "alert_created_at");
      if (!created) continue;
      facts[i].created_at = *created;
      if (auto message_id = JsonSnowflake(*record, "alert_message_id")) {
        facts[i].lookup_key = keys::Join(keys::kAlertLookupPrefix, FormatSnowflake(*message_id));
      }
      facts[i].readable = true;
    }
  }
  return facts;
}

void RetentionRun::RemoveAlerts(const std::vector<std::string>& alert_ids, const std::vector<AlertFacts>& facts,
                                CategoryReport& report) {
  if (alert_ids.empty()) return;
  std::vector<RedisCommand> commands;
  for (size_t i = 0; i < alert_ids.size(); ++i) {
    const char* verb = options_.dry_run ? "EXISTS" : "UNLINK";
    if (facts[i].exists) commands.push_back({verb, keys::Join(keys::kAlertPrefix, alert_ids[i])});
    if (facts[i].lookup_key) commands.push_back({verb, *facts[i].lookup_key});
  }
  // ZREM costs O(members * log n) on an index of every alert: small chunks
  // keep each command short.
  constexpr size_t kZremChunk = 100;
  for (size_t start = 0; !options_.dry_run && start < alert_ids.size(); start += kZremChunk) {
    RedisCommand zrem = {"ZREM", std::string(keys::kCreatedIndex)};
    const size_t end = std::min(alert_ids.size(), start + kZremChunk);
    zrem.insert(zrem.end(), alert_ids.begin() + static_cast<std::ptrdiff_t>(start),
                alert_ids.begin() + static_cast<std::ptrdiff_t>(end));
    commands.push_back(std::move(zrem));
  }
  if (commands.empty()) return;

  std::vector<RedisReply> replies = connection_.Pipeline(commands);
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i][0] == "ZREM") {
      report.entries_removed += IntegerOr0(replies[i]);
    } else {
      report.keys_removed += IntegerOr0(replies[i]);
    }
  }
}

// Alert records are aged by their creation time, never their last update.
// Pass 1 walks the creation index; pass 2 scans for records the index does
// not list (v5 records that were never imported).
void RetentionRun::CleanAlertMetrics(CategoryReport& report) {
  const EpochMs cutoff = CutoffMs(settings_.alert_metrics_days);
  const std::string exclusive_cutoff = "(" + std::to_string(cutoff);
  const std::string index(keys::kCreatedIndex);

  std::int64_t offset = 0;  // a dry run removes nothing, so it pages on
  while (true) {
    RedisReply page = connection_.Command({"ZRANGEBYSCORE", index, "-inf", exclusive_cutoff, "LIMIT",
                                           std::to_string(offset), std::to_string(settings_.batch_size)});
    page.ExpectOk("ZRANGEBYSCORE");
    if (page.elements().empty()) break;

    std::vector<std::string> alert_ids;
    std::vector<std::string> record_keys;
    for (const RedisReply& member : page.elements()) {
      alert_ids.push_back(member.str());
      record_keys.push_back(keys::Join(keys::kAlertPrefix, member.str()));
    }
    report.keys_scanned += static_cast<std::int64_t>(alert_ids.size());
    RemoveAlerts(alert_ids, ReadAlertFacts(record_keys), report);
    if (options_.dry_run) {
      report.entries_removed += static_cast<std::int64_t>(alert_ids.size());
      offset += static_cast<std::int64_t>(alert_ids.size());
    }
    AfterBatch(report);
  }

  ScanKeys(connection_, keys::Join(keys::kAlertPrefix, "*"), settings_.batch_size,
           [&](const std::vector<std::string>& record_keys) {
             report.keys_scanned += static_cast<std::int64_t>(record_keys.size());
             std::vector<AlertFacts> facts = ReadAlertFacts(record_keys);

             // A dry run already counted the records that pass 1 found in
             // the index; a real run removed them along with the entry.
             std::vector<RedisReply> scores;
             if (options_.dry_run) {
               std::vector<RedisCommand> zscores;
               for (const std::string& key : record_keys) {
                 zscores.push_back({"ZSCORE", index, key.substr(keys::kAlertPrefix.size())});
               }
               scores = connection_.Pipeline(zscores);
             }

             std::vector<std::string> old_ids;
             std::vector<AlertFacts> old_facts;
             for (size_t i = 0; i < record_keys.size(); ++i) {
               if (!facts[i].exists) continue;
               if (!facts[i].readable) {
                 ++report.keys_skipped;
                 continue;
               }
               if (facts[i].created_at >= cutoff) continue;
               if (options_.dry_run && !scores[i].is_nil()) {
                 auto score = ParseInt64(scores[i].str());
                 if (score && *score < cutoff) continue;
               }
               old_ids.push_back(record_keys[i].substr(keys::kAlertPrefix.size()));
               old_facts.push_back(facts[i]);
             }
             RemoveAlerts(old_ids, old_facts, report);
             AfterBatch(report);
           });
}

// Aged by the date in the key name, whichever layout the value has.
void RetentionRun::CleanDailyAggregates(CategoryReport& report) {
  const Date oldest_kept = Date::OfInstant(now_).AddDays(-settings_.aggregates_days);
  ScanKeys(connection_, keys::Join(keys::kDailyPrefix, "*"), settings_.batch_size,
           [&](const std::vector<std::string>& daily_keys) {
             report.keys_scanned += static_cast<std::int64_t>(daily_keys.size());
             std::vector<RedisCommand> commands;
             for (const std::string& key : daily_keys) {
               auto date = ParseIsoDate(std::string_view(key).substr(keys::kDailyPrefix.size()));
               if (!date) {
                 ++report.keys_skipped;
                 continue;
               }
               if (*date < oldest_kept) commands.push_back({options_.dry_run ? "EXISTS" : "UNLINK", key});
             }
             if (commands.empty()) return;
             for (const RedisReply& reply : connection_.Pipeline(commands)) report.keys_removed += IntegerOr0(reply);
             AfterBatch(report);
           });
}

// True for "ash:history:{guild_id}:{user_id}" with two snowflakes.
bool IsHistoryKey(std::string_view key) {
  std::string_view rest = key.substr(keys::kHistoryPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  return ParseSnowflake(rest.substr(0, colon)).has_value() && ParseSnowflake(rest.substr(colon + 1)).has_value();
}

// Entries scored (epoch seconds) before the cutoff go. Redis deletes a
// sorted set whose last member is removed, so an emptied key is gone too.
// NOTE: ZREMRANGEBYSCORE costs O(log n + removed); the bot keeps at most
// 100 entries per key, so one command stays short.
void RetentionRun::CleanMessageHistory(CategoryReport& report) {
  const EpochMs cutoff = CutoffMs(settings_.message_history_days);
  const std::string max_score = fmt::format("({}.{:03}", cutoff / 1000, cutoff % 1000);
  ScanKeys(connection_, keys::Join(keys::kHistoryPrefix, "*"), settings_.batch_size,
           [&](const std::vector<std::string>& history_keys) {
             std::vector<RedisCommand> commands;
             for (const std::string& key : history_keys) {
               if (!IsHistoryKey(key)) continue;
               ++report.keys_scanned;
               if (options_.dry_run) {
                 commands.push_back({"ZCOUNT", key, "-inf", max_score});
                 commands.push_back({"ZCARD", key});
               } else {
                 commands.push_back({"ZREMRANGEBYSCORE", key, "-inf", max_score});
                 commands.push_back({"EXISTS", key});
               }
             }
             if (commands.empty()) return;
             std::vector<RedisReply> replies = connection_.Pipeline(commands);
             for (size_t i = 0; i < replies.size(); i += 2) {
               if (replies[i].is_error()) {
                 ++report.keys_skipped;  // not a sorted set
                 continue;
               }
               const std::int64_t removed = IntegerOr0(replies[i]);
               report.entries_removed += removed;
               const bool emptied = options_.dry_run ? removed > 0 && removed == IntegerOr0(replies[i + 1])
                                                     : removed > 0 && IntegerOr0(replies[i + 1]) == 0;
               if (emptied) ++report.keys_removed;
             }
             AfterBatch(report);
           });
}

// A session is aged by its end when it has one (completed sessions), else
// by its start: its notes and follow-ups refer to the end of the
// conversation, so the limit runs from there.
std::optional<EpochMs> SessionReferenceTime(const nlohmann::json& meta) {
  if (auto ended = JsonTimestamp(meta, "ended_at")) return ended;
  return JsonTimestamp(meta, "started_at");
}

void RetentionRun::CleanSessions(CategoryReport& report) {
  const EpochMs limit_ms = static_cast<EpochMs>(settings_.session_data_days) * kMsPerDay;
  ScanKeys(connection_, keys::Join(keys::kSessionMetaPrefix, "*"), settings_.batch_size,
           [&](const std::vector<std::string>& meta_keys) {
             report.keys_scanned += static_cast<std::int64_t>(meta_keys.size());
             std::vector<RedisCommand> reads;
             std::vector<std::string> notes_keys;
             for (const std::string& key : meta_keys) {
               notes_keys.push_back(keys::Join(keys::kSessionNotesPrefix, key.substr(keys::kSessionMetaPrefix.size())));
               reads.push_back({"GET", key});
               reads.push_back({"PTTL", key});
               reads.push_back({"PTTL", notes_keys.back()});
             }
             std::vector<RedisReply> replies = connection_.Pipeline(reads);

             std::vector<RedisCommand> writes;
             for (size_t i = 0; i < meta_keys.size(); ++i) {
               const RedisReply& value = replies[3 * i];
               if (value.is_nil()) continue;  // expired since the SCAN
               auto meta = value.is_error() ? std::nullopt : ParseJsonObject(value.str());
               auto reference = meta ? SessionReferenceTime(*meta) : std::nullopt;
               if (!reference) {
                 ++report.keys_skipped;
                 continue;
               }
               const EpochMs expires_at = *reference + limit_ms;
               if (expires_at <= now_) {
                 const char* verb = options_.dry_run ? "EXISTS" : "UNLINK";
                 writes.push_back({verb, meta_keys[i]});
                 writes.push_back({verb, notes_keys[i]});
                 continue;
               }
               // Completed sessions are written with a plain SET, which
               // drops the expiry: give them the one the policy implies.
               // PEXPIRE counts from Redis's own clock, so the relative time
               // is computed from now, not sent as an absolute instant.
               const std::string ttl = std::to_string(expires_at - now_);
               if (IntegerOr0(replies[3 * i + 1]) == -1) {
                 ++report.expiries_set;
                 if (!options_.dry_run) writes.push_back({"PEXPIRE", meta_keys[i], ttl});
               }
               if (IntegerOr0(replies[3 * i + 2]) == -1) {
                 ++report.expiries_set;
                 if (!options_.dry_run) writes.push_back({"PEXPIRE", notes_keys[i], ttl});
               }
             }
             if (writes.empty()) return;
             std::vector<RedisReply> results = connection_.Pipeline(writes);
             for (size_t i = 0; i < writes.size(); ++i) {
               if (writes[i][0] != "PEXPIRE") report.keys_removed += IntegerOr0(results[i]);
             }
             AfterBatch(report);
           });
}

// Opt-outs carry a Redis expiry equal to their stored expires_at; Redis
// removes those. Keys that lost their expiry are removed once expires_at has
// passed, and given an expiry at expires_at otherwise.
void RetentionRun::CleanOptOuts(CategoryReport& report) {
  ScanKeys(connection_, keys::Join(keys::kOptOutPrefix, "*"), settings_.batch_size,
           [&](const std::vector<std::string>& optout_keys) {
             std::vector<std::string> checked;
             std::vector<RedisCommand> reads;
             for (const std::string& key : optout_keys) {
               if (!ParseSnowflake(std::string_view(key).substr(keys::kOptOutPrefix.size()))) continue;
               checked.push_back(key);
               reads.push_back({"PTTL", key});
               reads.push_back({"GET", key});
             }
             report.keys_scanned += static_cast<std::int64_t>(checked.size());
             if (reads.empty()) return;
             std::vector<RedisReply> replies = connection_.Pipeline(reads);

             std::vector<RedisCommand> writes;
             for (size_t i = 0; i < checked.size(); ++i) {
               if (IntegerOr0(replies[2 * i]) != -1) continue;  // has an expiry, or is gone
               const RedisReply& value = replies[2 * i + 1];
               auto record = value.type() == RedisReply::Type::kString ? ParseJsonObject(value.str()) : std::nullopt;
               auto expires_at = record ? JsonTimestamp(*record, "expires_at") : std::nullopt;
               if (!expires_at) {
                 ++report.keys_skipped;
                 continue;
               }
               if (*expires_at <= now_) {
                 writes.push_back({options_.dry_run ? "EXISTS" : "UNLINK", checked[i]});
               } else {
                 ++report.expiries_set;
                 if (!options_.dry_run) writes.push_back({"PEXPIRE", checked[i], std::to_string(*expires_at - now_)});
               }
             }
             if (writes.empty()) return;
             std::vector<RedisReply> results = connection_.Pipeline(writes);
             for (size_t i = 0; i < writes.size(); ++i) {
               if (writes[i][0] != "PEXPIRE") report.keys_removed += IntegerOr0(results[i]);
             }
             AfterBatch(report);
           });
}

void LogCategory(const RetentionReport& report, const CategoryReport& category) {
  spdlog::info(
      "retention{} category={} limit_days={} scanned={} keys_removed={} entries_removed={} expiries_set={} "
      "skipped={} duration_ms={}{}",
      report.dry_run ? " dry run" : "", category.name, category.limit_days, category.keys_scanned,
      category.keys_removed, category.entries_removed, category.expiries_set, category.keys_skipped,
      category.duration_ms, category.completed ? "" : " (not finished)");
}

// Dead letters are events that could not apply. They name the same people
// as alert records, so they age with them, by the time in the entry id.
// Entries are deleted in pages of batch_size, which keeps each command short.
void RetentionRun::CleanDeadLetters(CategoryReport& report) {
  const std::string stream(keys::kDeadLetterStream);
  const std::string type = connection_.Command({"TYPE", stream}).str();
  if (type == "none") return;
  if (type != "stream") {
    ++report.keys_skipped;
    return;
  }
  ++report.keys_scanned;

  const std::string end = fmt::format("({}-0", CutoffMs(settings_.alert_metrics_days));
  ScanStream(connection_, stream, end, settings_.batch_size, [&](const std::vector<RedisReply>& entries) {
    RedisCommand remove = {"XDEL", stream};
    for (const RedisReply& entry : entries) remove.push_back(entry.elements().at(0).str());
    report.entries_removed += static_cast<std::int64_t>(entries.size());
    if (!options_.dry_run) connection_.Command(remove);
    AfterBatch(report);
  });
}

}  // namespace

RetentionReport RunRetention(RedisConnection& connection, const RetentionSettings& settings, EpochMs now,
                             bool dry_run) {
  RetentionRunOptions options;
  options.dry_run = dry_run;
  return RunRetention(connection, settings, now, options);
}

RetentionReport RunRetention(RedisConnection& connection, const RetentionSettings& settings, EpochMs now,
                             const RetentionRunOptions& options) {
  const auto run_start = std::chrono::steady_clock::now();
  RetentionReport report;
  report.now = now;
  report.dry_run = options.dry_run;

  RetentionRun run(connection, settings, now, options);
  using Step = void (RetentionRun::*)(CategoryReport&);
  const struct {
    const char* name;
    int limit_days;
    Step step;
  } categories[] = {
      {"alert_metrics", settings.alert_metrics_days, &RetentionRun::CleanAlertMetrics},
      {"daily_aggregates", settings.aggregates_days, &RetentionRun::CleanDailyAggregates},
      {"message_history", settings.message_history_days, &RetentionRun::CleanMessageHistory},
      {"session_data", settings.session_data_days, &RetentionRun::CleanSessions},
      {"opt_outs", 0, &RetentionRun::CleanOptOuts},
      {"dead_letters", settings.alert_metrics_days, &RetentionRun::CleanDeadLetters},
  };
  for (const auto& category : categories) {
    CategoryReport entry;
    entry.name = category.name;
    entry.limit_days = category.limit_days;
    report.categories.push_back(entry);
  }

  for (size_t i = 0; i < report.categories.size(); ++i) {
    CategoryReport& category = report.categories[i];
    const auto category_start = std::chrono::steady_clock::now();
    try {
      (run.*categories[i].step)(category);
      category.completed = true;
    } catch (const RedisIoError& error) {
      report.error = fmt::format("{} (during {})", error.what(), category.name);
    }
    category.duration_ms = ElapsedMs(category_start);
    LogCategory(report, category);
    if (report.error) break;
  }
  report.duration_ms = ElapsedMs(run_start);

  if (!options.dry_run && report.ok()) {
    try {
      SaveRetentionReport(connection, report);
    } catch (const RedisIoError& error) {
      report.error = fmt::format("{} (while saving the report)", error.what());
    }
  }
  if (report.ok()) {
    spdlog::info("retention{} finished: keys_removed={} entries_removed={} duration_ms={}",
                 options.dry_run ? " dry run" : "", report.TotalKeysRemoved(), report.TotalEntriesRemoved(),
                 report.duration_ms);
  } else {
    spdlog::error("retention{} stopped: {}; keys_removed={} entries_removed={} so far; the next run continues",
                  options.dry_run ? " dry run" : "", *report.error, report.TotalKeysRemoved(),
                  report.TotalEntriesRemoved());
  }
  return report;
}

void SaveRetentionReport(RedisConnection& connection, const RetentionReport& report) {
  connection.Command({"SET", std::string(retention_keys::kLastRun), RetentionToJson(report).dump()})
      .ExpectOk("SET retention last run");
}

std::optional<RetentionReport> ReadLastRetentionReport(RedisConnection& connection) {
  RedisReply reply = connection.Command({"GET", std::string(retention_keys::kLastRun)});
  if (reply.type() != RedisReply::Type::kString) return std::nullopt;
  auto parsed = nlohmann::json::parse(reply.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return RetentionFromJson(parsed);
}

}  // namespace ash
