#include "storage/event_store.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "generated/lua_scripts.h"
#include "storage/alert_hash.h"
#include "storage/keys.h"

namespace ash {
namespace {

constexpr int kMaxConversionAttempts = 5;

std::string OptionalSnowflake(const std::optional<Snowflake>& id) { return id ? FormatSnowflake(*id) : ""; }

std::string FormatSensitivity(double value) { return fmt::format("{}", value); }

}  // namespace

std::string_view ApplyStatusName(ApplyStatus status) {
  switch (status) {
    case ApplyStatus::kApplied:
      return "applied";
    case ApplyStatus::kDuplicate:
      return "duplicate";
    case ApplyStatus::kAlreadyRecorded:
      return "already_recorded";
    case ApplyStatus::kUnknownAlert:
      return "unknown_alert";
    case ApplyStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

EventStore::EventStore(RedisConnection& connection, StoreSettings settings)
    : connection_(connection), settings_(settings) {}

std::vector<std::string> EventStore::ScriptArguments(const Event& event, EpochMs received_ms) const {
  const EpochMs event_ms = event.at.value_or(received_ms);
  std::vector<std::string> args = {
      std::string(EventTypeName(event.type)),
      event.alert_id,
      OptionalSnowflake(event.alert_message_id),
      std::to_string(event_ms),
      std::to_string(received_ms),
      event.event_id,
      std::to_string(static_cast<EpochMs>(settings_.alert_retention_days) * kMsPerDay),
      std::to_string(static_cast<EpochMs>(settings_.aggregate_retention_days) * kMsPerDay),
  };
  switch (event.type) {
    case EventType::kAlertCreated:
      args.push_back(FormatSnowflake(event.user_id));
      args.push_back(FormatSnowflake(event.channel_id));
      args.push_back(OptionalSnowflake(event.guild_id));
      args.emplace_back(SeverityName(event.severity));
      args.push_back(FormatSensitivity(event.channel_sensitivity));
      break;
    case EventType::kAcknowledged:
    case EventType::kResolved:
      args.push_back(OptionalSnowflake(event.by));
      break;
    case EventType::kAshContacted:
      args.push_back(event.initiated_by ? FormatSnowflake(*event.initiated_by) : "auto");
      args.push_back(event.auto_initiated ? "1" : "0");
      break;
    case EventType::kFirstResponse:
      args.push_back(FormatSnowflake(event.responder_id));
      break;
    case EventType::kUserOptedOut:
      break;
  }
  return args;
}

EventStore::ScriptOutcome EventStore::ParseScriptReply(const RedisReply& reply) const {
  reply.ExpectOk("apply event script");
  if (!reply.is_array() || reply.elements().size() != 3) {
    throw RedisIoError("apply event script returned an unexpected reply");
  }
  const std::string& status = reply.elements()[0].str();
  ScriptOutcome outcome;
  ApplyResult& result = outcome.result;
  result.alert_id = reply.elements()[1].str();
  result.clock_skew = reply.elements()[2].str() == "clock_skew";
  if (status == "applied") {
    result.status = ApplyStatus::kApplied;
  } else if (status == "duplicate") {
    result.status = ApplyStatus::kDuplicate;
  } else if (status == "already_recorded") {
    result.status = ApplyStatus::kAlreadyRecorded;
  } else if (status == "unknown_alert") {
    result.status = ApplyStatus::kUnknownAlert;
    result.error = EventError{"alert_id", "unknown alert: no alert with this id or alert_message_id"};
  } else if (status == "expired") {
    result.status = ApplyStatus::kInvalid;
    result.error = EventError{"at", fmt::format("is older than the alert retention of {} days, so the alert "
                                                "would be deleted at once; nothing was written",
                                                settings_.alert_retention_days)};
  } else if (status == "conflict") {
    result.status = ApplyStatus::kInvalid;
    result.error = EventError{"alert_message_id",
                              fmt::format("already belongs to alert {}; each alert post has its own message id",
                                          result.alert_id)};
    result.alert_id.clear();
  } else if (status == "legacy_record") {
    outcome.legacy_record = true;
  } else {
    throw RedisIoError("apply event script returned unknown status " + status);
  }
  return outcome;
}

ApplyResult EventStore::Apply(const Event& event, EpochMs received_ms) {
  return ApplyBatch(std::span<const Event>(&event, 1), received_ms).front();
}

std::vector<ApplyResult> EventStore::ApplyBatch(std::span<const Event> events, EpochMs received_ms) {
  std::vector<ApplyResult> results(events.size());
  std::vector<RedisCommand> commands;
  std::vector<size_t> command_event;  // index into events of each command
  const std::string sha = connection_.LoadScript(lua::kLuaApplyEvent);

  for (size_t i = 0; i < events.size(); ++i) {
    if (auto error = CheckEventTime(events[i], received_ms)) {
      results[i].status = ApplyStatus::kInvalid;
      results[i].alert_id = events[i].alert_id;
      results[i].error = std::move(error);
      continue;
    }
    RedisCommand command = {"EVALSHA", sha, "0"};
    for (std::string& arg : ScriptArguments(events[i], received_ms)) command.push_back(std::move(arg));
    commands.push_back(std::move(command));
    command_event.push_back(i);
  }
  if (commands.empty()) return results;

  std::vector<RedisReply> replies = connection_.Pipeline(commands);
  std::vector<size_t> retry;  // events to apply again, in order
  for (size_t c = 0; c < replies.size(); ++c) {
    const size_t i = command_event[c];
    if (replies[c].is_error() && replies[c].str().starts_with("NOSCRIPT")) {
      retry.push_back(i);
      continue;
    }
    ScriptOutcome outcome = ParseScriptReply(replies[c]);
    results[i] = outcome.result;
    if (outcome.legacy_record) retry.push_back(i);
  }

  for (size_t i : retry) {
    for (int attempt = 0;; ++attempt) {
      RedisReply reply = connection_.Eval(lua::kLuaApplyEvent, {}, ScriptArguments(events[i], received_ms));
      ScriptOutcome outcome = ParseScriptReply(reply);
      results[i] = outcome.result;
      if (!outcome.legacy_record) break;
      if (attempt == kMaxConversionAttempts) {
        throw RedisIoError(fmt::format("alert {} kept changing while it was converted from the v5 layout",
                                       results[i].alert_id));
      }
      ConvertLegacyRecord(results[i].alert_id, received_ms);
    }
  }

  for (size_t i = 0; i < events.size(); ++i) {
    // Names the reference that the event used, which may be the message id alone.
    if (results[i].status == ApplyStatus::kUnknownAlert && events[i].alert_id.empty() && results[i].error) {
      results[i].error->field = "alert_message_id";
    }
    if (results[i].clock_skew) {
      spdlog::warn("clock skew: {} event for alert {} is dated before the alert's creation; counted as 0 seconds",
                   EventTypeName(events[i].type), results[i].alert_id);
    }
  }
  return results;
}

EventStore::Conversion EventStore::ConvertLegacyRecord(const std::string& alert_id, EpochMs now) {
  const std::string key = keys::Alert(alert_id);
  for (int attempt = 0; attempt < kMaxConversionAttempts; ++attempt) {
    RedisReply newest = connection_.Command({"ZRANGE", key, "-1", "-1"});
    if (newest.is_error() || newest.elements().empty()) return Conversion::kNotLegacy;  // gone or converted
    const std::string& member = newest.elements().front().str();

    auto record = ParseV5AlertRecord(member);
    if (!record.ok()) {
      throw RedisIoError(fmt::format("alert {} in the v5 layout cannot be read: {}", alert_id, record.error()));
    }
    std::vector<std::string> args = {"convert_legacy", alert_id, "", std::to_string(record->created_at),
                                     std::to_string(now), "",
                                     std::to_string(static_cast<EpochMs>(settings_.alert_retention_days) * kMsPerDay),
                                     std::to_string(static_cast<EpochMs>(settings_.aggregate_retention_days) * kMsPerDay),
                                     member};
    for (auto& [field, value] : AlertRecordToHash(*record)) {
      args.push_back(field);
      args.push_back(value);
    }
    RedisReply reply = connection_.Eval(lua::kLuaApplyEvent, {}, args);
    reply.ExpectOk("convert v5 alert record");
    const std::string& status = reply.elements().at(0).str();
    if (status == "applied") {
      spdlog::debug("converted alert {} from the v5 layout", alert_id);
      return Conversion::kConverted;
    }
    if (status == "expired") {
      spdlog::info("deleted v5 alert {}: it is older than the alert retention", alert_id);
      return Conversion::kExpired;
    }
    if (status == "duplicate") return Conversion::kNotLegacy;
  }
  throw RedisIoError(fmt::format("alert {} kept changing while it was converted from the v5 layout", alert_id));
}

}  // namespace ash
