#include "retention/forget_user.h"

#include <algorithm>
#include <functional>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/civil_time.h"
#include "retention/json_fields.h"
#include "retention/key_scan.h"
#include "retention/retention_keys.h"

namespace ash {
namespace {

namespace keys = retention_keys;
using OrderedJson = nlohmann::ordered_json;

// The alert record fields that can hold a person's id.
constexpr const char* kIdFields[] = {"user_id", "acknowledged_by", "first_responder_id", "resolved_by",
                                     "ash_initiated_by"};

// Clears the fields of a current-layout alert record (a hash) that hold the
// id, atomically. KEYS[1] record; ARGV[1] the id; ARGV[2] "1" for a dry run.
// Returns the names of those fields.
constexpr std::string_view kForgetInHashScript = R"lua(
local cleared = {}
for _, field in ipairs({'user_id', 'acknowledged_by', 'first_responder_id', 'resolved_by', 'ash_initiated_by'}) do
  if redis.call('HGET', KEYS[1], field) == ARGV[1] then
    cleared[#cleared + 1] = field
    if ARGV[2] ~= '1' then redis.call('HDEL', KEYS[1], field) end
  end
end
return cleared
)lua";

// Moves the per-responder count of a daily aggregate hash to the anonymous
// field, so the day's sum of acknowledgments stays. KEYS[1] aggregate;
// ARGV[1] the id; ARGV[2] "1" for a dry run. Returns the count moved.
constexpr std::string_view kFoldResponderScript = R"lua(
local field = 'responder:' .. ARGV[1]
local count = redis.call('HGET', KEYS[1], field)
if not count then return 0 end
if ARGV[2] ~= '1' then
  redis.call('HINCRBY', KEYS[1], 'responder:erased', count)
  redis.call('HDEL', KEYS[1], field)
end
return tonumber(count)
)lua";

// Rewrites one JSON member of a v5 sorted set; nullopt leaves it as it is.
using MemberRewrite = std::function<std::optional<std::string>(const std::string& member)>;

class Eraser {
 public:
  Eraser(RedisConnection& connection, Snowflake user_id, bool dry_run, int batch_size, ForgetUserReport& report)
      : connection_(connection),
        id_text_(FormatSnowflake(user_id)),
        user_id_(user_id),
        dry_run_(dry_run),
        batch_size_(batch_size),
        report_(report) {}

  void EraseHistory();
  void EraseKeysNamedById();
  void EraseSessions();
  void EraseJsonKeysOfUser(std::string_view prefix);
  void EraseFromAlertRecords();
  void EraseFromDailyAggregates();
  void EraseFromDeadLetters();

 private:
  void Remove(const std::vector<std::string>& candidates);
  bool RewriteSortedSet(const std::string& key, const MemberRewrite& rewrite);
  std::optional<std::string> EraseFromV5Record(const std::string& member, std::vector<std::string>& fields) const;
  std::optional<std::string> FoldV5Responder(const std::string& member) const;

  RedisConnection& connection_;
  std::string id_text_;
  Snowflake user_id_;
  bool dry_run_;
  int batch_size_;
  ForgetUserReport& report_;
};

// Removes the keys that exist among candidates and lists them in the report.
void Eraser::Remove(const std::vector<std::string>& candidates) {
  if (candidates.empty()) return;
  std::vector<RedisCommand> exists;
  for (const std::string& key : candidates) exists.push_back({"EXISTS", key});
  std::vector<RedisReply> replies = connection_.Pipeline(exists);

  std::vector<RedisCommand> unlinks;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (IntegerOr0(replies[i]) == 0) continue;
    report_.removed_keys.push_back(candidates[i]);
    unlinks.push_back({"UNLINK", candidates[i]});
  }
  if (!dry_run_ && !unlinks.empty()) connection_.Pipeline(unlinks);
}

void Eraser::EraseHistory() {
  const std::string pattern = fmt::format("{}*:{}", keys::kHistoryPrefix, id_text_);
  ScanKeys(connection_, pattern, batch_size_, [&](const std::vector<std::string>& found) {
    std::vector<std::string> matches;
    for (const std::string& key : found) {
      // The glob's * also matches colons: keep only ash:history:{guild}:{id}.
      std::string_view guild = std::string_view(key).substr(keys::kHistoryPrefix.size());
      guild.remove_suffix(id_text_.size() + 1);
      if (ParseSnowflake(guild)) matches.push_back(key);
    }
    if (matches.empty()) return;
    std::vector<RedisCommand> counts;
    for (const std::string& key : matches) counts.push_back({"ZCARD", key});
    for (const RedisReply& reply : connection_.Pipeline(counts)) report_.history_entries_removed += IntegerOr0(reply);
    Remove(matches);
  });
}

void Eraser::EraseKeysNamedById() {
  Remove({keys::Join(keys::kOptOutPrefix, id_text_), keys::Join(keys::kFollowupPendingPrefix, id_text_),
          keys::Join(keys::kFollowupLastPrefix, id_text_)});
}

// Sessions started by the person. Notes written by CRT members inside those
// sessions go with them, because they describe the person.
void Eraser::EraseSessions() {
  ScanKeys(connection_, keys::Join(keys::kSessionMetaPrefix, "*"), batch_size_,
           [&](const std::vector<std::string>& meta_keys) {
             std::vector<RedisCommand> gets;
             for (const std::string& key : meta_keys) gets.push_back({"GET", key});
             std::vector<RedisReply> values = connection_.Pipeline(gets);

             std::vector<std::string> doomed;
             for (size_t i = 0; i < meta_keys.size(); ++i) {
               if (values[i].type() != RedisReply::Type::kString) continue;
               auto meta = ParseJsonObject(values[i].str());
               if (!meta || JsonSnowflake(*meta, "user_id") != user_id_) continue;
               std::string session_id = meta_keys[i].substr(keys::kSessionMetaPrefix.size());
               report_.sessions_removed.push_back(session_id);
               doomed.push_back(meta_keys[i]);
               doomed.push_back(keys::Join(keys::kSessionNotesPrefix, session_id));
             }
             Remove(doomed);
           });
}

// JSON string keys (scheduled follow-ups, pending auto-initiates) whose
// user_id field is the person.
void Eraser::EraseJsonKeysOfUser(std::string_view prefix) {
  ScanKeys(connection_, keys::Join(prefix, "*"), batch_size_, [&](const std::vector<std::string>& found) {
    std::vector<RedisCommand> gets;
    for (const std::string& key : found) gets.push_back({"GET", key});
    std::vector<RedisReply> values = connection_.Pipeline(gets);

    std::vector<std::string> doomed;
    for (size_t i = 0; i < found.size(); ++i) {
      if (values[i].type() != RedisReply::Type::kString) continue;
      auto record = ParseJsonObject(values[i].str());
      if (record && JsonSnowflake(*record, "user_id") == user_id_) doomed.push_back(found[i]);
    }
    Remove(doomed);
  });
}

// Rewrites the members of one sorted set atomically (WATCH/MULTI/EXEC),
// keeping each member's score and the key's expiry. Retries when another
// writer changed the key in between. Returns false when nothing changed.
bool Eraser::RewriteSortedSet(const std::string& key, const MemberRewrite& rewrite) {
  constexpr int kMaxAttempts = 10;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    connection_.Command({"WATCH", key}).ExpectOk("WATCH");
    RedisReply members = connection_.Command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    RedisCommand zrem = {"ZREM", key};
    RedisCommand zadd = {"ZADD", key};
    const auto& items = members.elements();
    for (size_t i = 0; i + 1 < items.size(); i += 2) {
      auto rewritten = rewrite(items[i].str());
      if (!rewritten) continue;
      zrem.push_back(items[i].str());
      zadd.push_back(items[i + 1].str());  // the score exactly as Redis printed it
      zadd.push_back(*rewritten);
    }
    if (zrem.size() == 2 || dry_run_) {
      connection_.Command({"UNWATCH"});
      return zrem.size() > 2;
    }
    std::vector<RedisReply> replies = connection_.Pipeline({{"MULTI"}, zrem, zadd, {"EXEC"}});
    if (!replies.back().is_nil()) {
      replies.back().ExpectOk("EXEC");
      return true;
    }
  }
  throw RedisIoError(fmt::format("{} kept changing during {} attempts to rewrite it", key, kMaxAttempts));
}

std::optional<std::string> Eraser::EraseFromV5Record(const std::string& member,
                                                     std::vector<std::string>& fields) const {
  OrderedJson record = OrderedJson::parse(member, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object()) return std::nullopt;
  bool changed = false;
  for (const char* field : kIdFields) {
    if (JsonSnowflake(record, field) != user_id_) continue;
    record[field] = nullptr;
    changed = true;
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  }
  if (!changed) return std::nullopt;
  return DumpPythonStyle(record);
}

std::optional<std::string> Eraser::FoldV5Responder(const std::string& member) const {
  OrderedJson aggregate = OrderedJson::parse(member, nullptr, /*allow_exceptions=*/false);
  if (!aggregate.is_object()) return std::nullopt;
  auto responders = aggregate.find("top_responders");
  if (responders == aggregate.end() || !responders->is_object()) return std::nullopt;
  auto entry = responders->find(id_text_);
  if (entry == responders->end() || !entry->is_number_integer()) return std::nullopt;

  const std::int64_t count = entry->get<std::int64_t>();
  responders->erase(id_text_);
  const std::int64_t erased = responders->value("erased", std::int64_t{0});
  (*responders)["erased"] = erased + count;
  return DumpPythonStyle(aggregate);
}

void Eraser::EraseFromAlertRecords() {
  ScanKeys(connection_, keys::Join(keys::kAlertPrefix, "*"), batch_size_,
           [&](const std::vector<std::string>& record_keys) {
             std::vector<RedisCommand> types;
             for (const std::string& key : record_keys) types.push_back({"TYPE", key});
             std::vector<RedisReply> type_replies = connection_.Pipeline(types);

             for (size_t i = 0; i < record_keys.size(); ++i) {
               ErasedAlertFields erased;
               erased.alert_id = record_keys[i].substr(keys::kAlertPrefix.size());
               if (type_replies[i].str() == "hash") {
                 RedisReply cleared =
                     connection_.Eval(kForgetInHashScript, {record_keys[i]}, {id_text_, dry_run_ ? "1" : "0"});
                 cleared.ExpectOk("forget user in alert record");
                 for (const RedisReply& field : cleared.elements()) erased.fields.push_back(field.str());
               } else if (type_replies[i].str() == "zset") {
                 erased.legacy = true;
                 RewriteSortedSet(record_keys[i], [&](const std::string& member) {
                   return EraseFromV5Record(member, erased.fields);
                 });
               }
               if (!erased.fields.empty()) report_.alert_records.push_back(std::move(erased));
             }
           });
}

void Eraser::EraseFromDailyAggregates() {
  ScanKeys(connection_, keys::Join(keys::kDailyPrefix, "*"), batch_size_,
           [&](const std::vector<std::string>& daily_keys) {
             std::vector<RedisCommand> types;
             for (const std::string& key : daily_keys) types.push_back({"TYPE", key});
             std::vector<RedisReply> type_replies = connection_.Pipeline(types);

             for (size_t i = 0; i < daily_keys.size(); ++i) {
               bool folded = false;
               if (type_replies[i].str() == "hash") {
                 RedisReply moved =
                     connection_.Eval(kFoldResponderScript, {daily_keys[i]}, {id_text_, dry_run_ ? "1" : "0"});
                 moved.ExpectOk("forget user in daily aggregate");
                 folded = IntegerOr0(moved) > 0;
               } else if (type_replies[i].str() == "zset") {
                 folded = RewriteSortedSet(daily_keys[i],
                                           [&](const std::string& member) { return FoldV5Responder(member); });
               }
               if (folded) report_.aggregate_days.push_back(daily_keys[i].substr(keys::kDailyPrefix.size()));
             }
           });
}

// Returns true when `text` contains `id` as a whole number, not as part of a
// longer one.
bool ContainsId(std::string_view text, std::string_view id) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t at = text.find(id); at != std::string_view::npos; at = text.find(id, at + 1)) {
    const bool digit_before = at > 0 && is_digit(text[at - 1]);
    const bool digit_after = at + id.size() < text.size() && is_digit(text[at + id.size()]);
    if (!digit_before && !digit_after) return true;
  }
  return false;
}

// A dead letter keeps the event as it arrived, so the id can sit in any
// field, quoted or not. Every letter that contains it goes.
void Eraser::EraseFromDeadLetters() {
  const std::string stream(keys::kDeadLetterStream);
  if (connection_.Command({"TYPE", stream}).str() != "stream") return;
  ScanStream(connection_, stream, "+", batch_size_, [&](const std::vector<RedisReply>& entries) {
    RedisCommand remove = {"XDEL", stream};
    for (const RedisReply& entry : entries) {
      const std::vector<RedisReply>& fields = entry.elements().at(1).elements();
      const bool names_person = std::any_of(fields.begin(), fields.end(), [&](const RedisReply& value) {
        return ContainsId(value.str(), id_text_);
      });
      if (names_person) remove.push_back(entry.elements().at(0).str());
    }
    report_.dead_letters_removed += static_cast<std::int64_t>(remove.size() - 2);
    if (!dry_run_ && remove.size() > 2) connection_.Command(remove);
  });
}

}  // namespace

ForgetUserReport ForgetUser(RedisConnection& connection, Snowflake user_id, EpochMs now, bool dry_run,
                            int batch_size) {
  ForgetUserReport report;
  report.user_id = user_id;
  report.now = now;
  report.dry_run = dry_run;

  Eraser eraser(connection, user_id, dry_run, batch_size, report);
  try {
    eraser.EraseHistory();
    eraser.EraseKeysNamedById();
    eraser.EraseSessions();
    eraser.EraseJsonKeysOfUser(keys::kFollowupScheduledPrefix);
    eraser.EraseJsonKeysOfUser(keys::kPendingAlertPrefix);
    eraser.EraseFromAlertRecords();
    eraser.EraseFromDailyAggregates();
    eraser.EraseFromDeadLetters();
  } catch (const RedisIoError& error) {
    report.error = error.what();
  }

  // The person's id stays out of the log: it is the data being erased.
  if (report.ok()) {
    spdlog::info("forget-user{} finished: keys_removed={} history_entries={} sessions={} alert_records={} "
                 "aggregate_days={} dead_letters={}",
                 dry_run ? " dry run" : "", report.removed_keys.size(), report.history_entries_removed,
                 report.sessions_removed.size(), report.alert_records.size(), report.aggregate_days.size(),
                 report.dead_letters_removed);
  } else {
    spdlog::error("forget-user{} stopped: {}; keys_removed={} so far; run it again to finish",
                  dry_run ? " dry run" : "", *report.error, report.removed_keys.size());
  }
  return report;
}

nlohmann::json ForgetUserToJson(const ForgetUserReport& report) {
  nlohmann::json alert_records = nlohmann::json::array();
  for (const ErasedAlertFields& record : report.alert_records) {
    alert_records.push_back(
        {{"alert_id", record.alert_id}, {"layout", record.legacy ? "v5" : "current"}, {"fields", record.fields}});
  }
  return {
      {"user_id", FormatSnowflake(report.user_id)},
      {"now", FormatRfc3339(report.now)},
      {"dry_run", report.dry_run},
      {"ok", report.ok()},
      {"removed_keys", report.removed_keys},
      {"history_entries_removed", report.history_entries_removed},
      {"sessions_removed", report.sessions_removed},
      {"alert_records", alert_records},
      {"aggregate_days", report.aggregate_days},
      {"dead_letters_removed", report.dead_letters_removed},
      {"error", report.error ? nlohmann::json(*report.error) : nlohmann::json(nullptr)},
  };
}

std::string RenderForgetUserText(const ForgetUserReport& report) {
  const char* removed = report.dry_run ? "Would remove" : "Removed";
  std::string text = fmt::format("Erasure of user {}{}\n\n", FormatSnowflake(report.user_id),
                                 report.dry_run ? " (dry run: nothing changed)" : "");
  text += fmt::format("{} {} keys ({} history messages, {} sessions):\n", removed, report.removed_keys.size(),
                      report.history_entries_removed, report.sessions_removed.size());
  for (const std::string& key : report.removed_keys) text += fmt::format("  {}\n", key);

  text += fmt::format("\n{} the id from {} alert records (timestamps and durations kept):\n",
                      report.dry_run ? "Would remove" : "Removed", report.alert_records.size());
  for (const ErasedAlertFields& record : report.alert_records) {
    text += fmt::format("  {} ({}): {}\n", record.alert_id, record.legacy ? "v5" : "current",
                        fmt::join(record.fields, ", "));
  }
  text += fmt::format("\n{} the responder count anonymous in {} daily aggregates{}\n",
                      report.dry_run ? "Would make" : "Made", report.aggregate_days.size(),
                      report.aggregate_days.empty() ? "." : ":");
  for (const std::string& day : report.aggregate_days) text += fmt::format("  {}\n", day);
  text += fmt::format("\n{} {} dead letters that contain the id.\n", removed, report.dead_letters_removed);
  if (report.error) text += fmt::format("\nError: {}\nRun the command again to finish.\n", *report.error);
  return text;
}

}  // namespace ash
