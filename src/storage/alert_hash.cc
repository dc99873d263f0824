#include "storage/alert_hash.h"

#include <fmt/format.h>

namespace ash {
namespace {

void AddTime(std::vector<std::pair<std::string, std::string>>& fields, const char* name,
             const std::optional<EpochMs>& value) {
  if (value) fields.emplace_back(name, std::to_string(*value));
}

void AddId(std::vector<std::pair<std::string, std::string>>& fields, const char* name,
           const std::optional<Snowflake>& value) {
  if (value) fields.emplace_back(name, FormatSnowflake(*value));
}

void AddSeconds(std::vector<std::pair<std::string, std::string>>& fields, const char* name,
                const std::optional<std::int64_t>& value) {
  if (value) fields.emplace_back(name, std::to_string(*value));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> AlertRecordToHash(const AlertRecord& record) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"alert_id", record.alert_id},
      {"alert_message_id", FormatSnowflake(record.alert_message_id)},
  };
  AddId(fields, "user_id", record.user_id);
  fields.emplace_back("channel_id", FormatSnowflake(record.channel_id));
  AddId(fields, "guild_id", record.guild_id);
  fields.emplace_back("severity", std::string(SeverityName(record.severity)));
  fields.emplace_back("channel_sensitivity", fmt::format("{}", record.channel_sensitivity));
  fields.emplace_back("created_at", std::to_string(record.created_at));

  AddTime(fields, "acknowledged_at", record.acknowledged_at);
  AddId(fields, "acknowledged_by", record.acknowledged_by);
  AddSeconds(fields, "time_to_acknowledge_seconds", record.time_to_acknowledge_seconds);

  AddTime(fields, "ash_contacted_at", record.ash_contacted_at);
  if (record.ash_initiated_by) fields.emplace_back("ash_initiated_by", *record.ash_initiated_by);
  fields.emplace_back("was_auto_initiated", record.was_auto_initiated ? "1" : "0");
  AddSeconds(fields, "time_to_ash_seconds", record.time_to_ash_seconds);

  AddTime(fields, "first_response_at", record.first_response_at);
  AddId(fields, "first_responder_id", record.first_responder_id);
  AddSeconds(fields, "time_to_response_seconds", record.time_to_response_seconds);

  AddTime(fields, "resolved_at", record.resolved_at);
  AddId(fields, "resolved_by", record.resolved_by);
  AddSeconds(fields, "time_to_resolve_seconds", record.time_to_resolve_seconds);

  fields.emplace_back("user_opted_out", record.user_opted_out ? "1" : "0");
  AddTime(fields, "user_opted_out_at", record.user_opted_out_at);
  return fields;
}

}  // namespace ash
