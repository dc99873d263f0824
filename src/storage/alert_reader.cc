#include "storage/alert_reader.h"

#include <charconv>
#include <map>

#include <spdlog/spdlog.h>

#include "storage/keys.h"

namespace ash {
namespace {

constexpr size_t kReadBatch = 1000;

std::optional<std::int64_t> ParseInteger(const std::string& text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

class FieldMap {
 public:
  explicit FieldMap(const HashFields& fields) {
    for (const auto& [name, value] : fields) map_.emplace(name, value);
  }

  const std::string* Find(const std::string& name) const {
    auto it = map_.find(name);
    return it == map_.end() ? nullptr : &it->second;
  }
  std::optional<std::int64_t> Integer(const std::string& name) const {
    const std::string* text = Find(name);
    return text ? ParseInteger(*text) : std::nullopt;
  }
  std::optional<Snowflake> Id(const std::string& name) const {
    const std::string* text = Find(name);
    return text ? ParseSnowflake(*text) : std::nullopt;
  }
  bool Flag(const std::string& name) const {
    const std::string* text = Find(name);
    return text && *text == "1";
  }

 private:
  std::map<std::string, std::string> map_;
};

// Reads records of the given ids: HGETALL for all, then the newest v5
// member for those that are sorted sets. Ids whose key is gone are skipped.
std::vector<AlertRecord> ReadRecords(RedisConnection& connection, const std::vector<std::string>& ids) {
  std::vector<AlertRecord> records;
  std::vector<RedisCommand> hash_reads;
  for (const std::string& id : ids) hash_reads.push_back({"HGETALL", keys::Alert(id)});
  std::vector<RedisReply> replies = connection.Pipeline(hash_reads);

  std::vector<std::string> legacy_ids;
  for (size_t i = 0; i < ids.size(); ++i) {
    const RedisReply& reply = replies[i];
    if (reply.is_error()) {
      if (reply.str().starts_with("WRONGTYPE")) legacy_ids.push_back(ids[i]);
      continue;
    }
    if (reply.elements().empty()) continue;  // expired since it was indexed
    HashFields fields;
    for (size_t f = 0; f + 1 < reply.elements().size(); f += 2) {
      fields.emplace_back(reply.elements()[f].str(), reply.elements()[f + 1].str());
    }
    if (auto record = AlertRecordFromHash(fields)) {
      records.push_back(std::move(*record));
    } else {
      spdlog::error("alert {} has a malformed record; it is left out of the report", ids[i]);
    }
  }
  if (legacy_ids.empty()) return records;

  std::vector<RedisCommand> legacy_reads;
  for (const std::string& id : legacy_ids) legacy_reads.push_back({"ZRANGE", keys::Alert(id), "-1", "-1"});
  std::vector<RedisReply> legacy_replies = connection.Pipeline(legacy_reads);
  for (size_t i = 0; i < legacy_ids.size(); ++i) {
    const RedisReply& reply = legacy_replies[i];
    if (reply.is_error() || reply.elements().empty()) continue;
    auto record = ParseV5AlertRecord(reply.elements().front().str());
    if (record.ok()) {
      records.push_back(std::move(record).value());
    } else {
      spdlog::error("alert {} has a malformed v5 record ({}); it is left out of the report", legacy_ids[i],
                    record.error());
    }
  }
  return records;
}

}  // namespace

std::optional<AlertRecord> AlertRecordFromHash(const HashFields& hash) {
  FieldMap fields(hash);
  AlertRecord record;
  const std::string* alert_id = fields.Find("alert_id");
  const std::string* severity_text = fields.Find("severity");
  auto created_at = fields.Integer("created_at");
  if (!alert_id || !severity_text || !created_at) return std::nullopt;
  auto severity = ParseSeverity(*severity_text);
  if (!severity) return std::nullopt;

  record.alert_id = *alert_id;
  record.alert_message_id = fields.Id("alert_message_id").value_or(0);
  record.user_id = fields.Id("user_id");
  record.channel_id = fields.Id("channel_id").value_or(0);
  record.guild_id = fields.Id("guild_id");
  record.severity = *severity;
  if (const std::string* sensitivity = fields.Find("channel_sensitivity")) {
    record.channel_sensitivity = std::strtod(sensitivity->c_str(), nullptr);
  }
  record.created_at = *created_at;

  record.acknowledged_at = fields.Integer("acknowledged_at");
  record.acknowledged_by = fields.Id("acknowledged_by");
  record.time_to_acknowledge_seconds = fields.Integer("time_to_acknowledge_seconds");
  record.ash_contacted_at = fields.Integer("ash_contacted_at");
  if (const std::string* initiated_by = fields.Find("ash_initiated_by")) record.ash_initiated_by = *initiated_by;
  record.was_auto_initiated = fields.Flag("was_auto_initiated");
  record.time_to_ash_seconds = fields.Integer("time_to_ash_seconds");
  record.first_response_at = fields.Integer("first_response_at");
  record.first_responder_id = fields.Id("first_responder_id");
  record.time_to_response_seconds = fields.Integer("time_to_response_seconds");
  record.resolved_at = fields.Integer("resolved_at");
  record.resolved_by = fields.Id("resolved_by");
  record.time_to_resolve_seconds = fields.Integer("time_to_resolve_seconds");
  record.user_opted_out = fields.Flag("user_opted_out");
  record.user_opted_out_at = fields.Integer("user_opted_out_at");
  return record;
}

std::optional<AlertRecord> ReadAlert(RedisConnection& connection, std::string_view alert_id) {
  std::vector<AlertRecord> records = ReadRecords(connection, {std::string(alert_id)});
  if (records.empty()) return std::nullopt;
  return std::move(records.front());
}

std::vector<AlertRecord> ReadAlertsCreatedBetween(RedisConnection& connection, EpochMs from_ms, EpochMs to_ms) {
  std::vector<AlertRecord> records;
  const std::string max = "(" + std::to_string(to_ms);
  for (size_t offset = 0;; offset += kReadBatch) {
    RedisReply ids_reply = connection.Command({"ZRANGEBYSCORE", std::string(keys::kCreatedIndex),
                                               std::to_string(from_ms), max, "LIMIT", std::to_string(offset),
                                               std::to_string(kReadBatch)});
    ids_reply.ExpectOk("read the creation index");
    std::vector<std::string> ids;
    for (const RedisReply& id : ids_reply.elements()) ids.push_back(id.str());
    for (AlertRecord& record : ReadRecords(connection, ids)) records.push_back(std::move(record));
    if (ids.size() < kReadBatch) break;
  }
  return records;
}

DailyAggregate DailyAggregateFromHash(Date date, const HashFields& hash) {
  DailyAggregate aggregate;
  aggregate.date = date;
  auto read_duration = [](const std::string& name, const std::int64_t value, DurationAggregate& duration) {
    if (name.ends_with(":count")) duration.count = value;
    if (name.ends_with(":sum")) duration.sum = value;
    if (name.ends_with(":min")) duration.min = value;
    if (name.ends_with(":max")) duration.max = value;
  };
  for (const auto& [name, text] : hash) {
    auto value = ParseInteger(text);
    if (!value) continue;
    if (name == "total") {
      aggregate.total = *value;
    } else if (name.starts_with("severity:")) {
      if (auto severity = ParseSeverity(name.substr(9))) aggregate.by_severity[static_cast<int>(*severity)] = *value;
    } else if (name.starts_with("hour:")) {
      auto hour = ParseInteger(name.substr(5));
      if (hour && *hour >= 0 && *hour < 24) aggregate.by_hour[*hour] = *value;
    } else if (name.starts_with("acknowledge_hist:")) {
      if (auto bucket = ParseInteger(name.substr(17))) aggregate.acknowledge_histogram[static_cast<int>(*bucket)] = *value;
    } else if (name.starts_with("acknowledge:")) {
      read_duration(name, *value, aggregate.acknowledge);
    } else if (name.starts_with("ash_contact:")) {
      read_duration(name, *value, aggregate.ash_contact);
    } else if (name.starts_with("response:")) {
      read_duration(name, *value, aggregate.response);
    } else if (name.starts_with("resolve:")) {
      read_duration(name, *value, aggregate.resolve);
    } else if (name == "ash:auto") {
      aggregate.ash_auto = *value;
    } else if (name == "ash:manual") {
      aggregate.ash_manual = *value;
    } else if (name == "opted_out") {
      aggregate.opted_out = *value;
    } else if (name.starts_with("responder:")) {
      if (auto id = ParseSnowflake(name.substr(10))) aggregate.acknowledgments_by_responder[*id] = *value;
    }
  }
  return aggregate;
}

std::vector<DailyAggregate> ReadDailyAggregates(RedisConnection& connection, Date first, Date last) {
  std::vector<Date> dates;
  std::vector<RedisCommand> reads;
  for (Date date = first; date <= last; date = date.AddDays(1)) {
    dates.push_back(date);
    reads.push_back({"HGETALL", keys::Daily(date)});
  }
  std::vector<DailyAggregate> aggregates;
  std::vector<RedisReply> replies = connection.Pipeline(reads);
  for (size_t i = 0; i < dates.size(); ++i) {
    const RedisReply& reply = replies[i];
    if (reply.is_error() || reply.elements().empty()) continue;  // none, or a v5 sorted set
    HashFields fields;
    for (size_t f = 0; f + 1 < reply.elements().size(); f += 2) {
      fields.emplace_back(reply.elements()[f].str(), reply.elements()[f + 1].str());
    }
    aggregates.push_back(DailyAggregateFromHash(dates[i], fields));
  }
  return aggregates;
}

}  // namespace ash
