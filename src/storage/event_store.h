#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/event.h"
#include "storage/redis_connection.h"

namespace ash {

struct StoreSettings {
  int alert_retention_days = 90;       // expiry of records and lookups, from creation
  int aggregate_retention_days = 365;  // expiry of daily aggregates, from the day's end
};

enum class ApplyStatus {
  kApplied,          // the event changed the alert
  kDuplicate,        // alert_created for a known alert, or a repeated event_id
  kAlreadyRecorded,  // the lifecycle step was recorded before; first wins
  kUnknownAlert,     // no alert with that id or message id; nothing written
  kInvalid,          // rejected before Redis (a future time, too old); nothing written
};

// "applied", "duplicate", "already_recorded", "unknown_alert", "invalid".
std::string_view ApplyStatusName(ApplyStatus status);

struct ApplyResult {
  ApplyStatus status = ApplyStatus::kApplied;
  std::string alert_id;             // resolved id, when known
  std::optional<EventError> error;  // kInvalid and kUnknownAlert
  bool clock_skew = false;          // the event was dated before the alert's creation
};

// Applies alert lifecycle events to Redis. Each event is one Lua script
// call, so the record, lookup, time index and daily aggregate change
// together or not at all, and concurrent writers never lose an update.
// Records in the Ash-Bot v5 layout are converted before an event changes
// them. Not thread-safe: one EventStore per connection.
class EventStore {
 public:
  EventStore(RedisConnection& connection, StoreSettings settings);

  // Applies one validated event received at received_ms (the time used when
  // the event has no "at", and the reference for the future check). Throws
  // RedisIoError when Redis is unreachable; then nothing or all of the
  // event was applied, and a retry reports it as applied or duplicate.
  ApplyResult Apply(const Event& event, EpochMs received_ms);

  // Applies events in order with one pipelined round trip per call.
  std::vector<ApplyResult> ApplyBatch(std::span<const Event> events, EpochMs received_ms);

  enum class Conversion { kConverted, kExpired, kNotLegacy };

  // Rewrites one Ash-Bot v5 record into the current layout, with its
  // lookup, index entry and daily aggregate, in one atomic step. A record
  // past the alert retention is deleted instead (kExpired). Throws
  // RedisIoError, also when the v5 record cannot be parsed.
  Conversion ConvertLegacyRecord(const std::string& alert_id, EpochMs now);

 private:
  struct ScriptOutcome {
    ApplyResult result;
    bool legacy_record = false;  // the record is in the v5 layout: convert, then apply again
  };

  std::vector<std::string> ScriptArguments(const Event& event, EpochMs received_ms) const;
  ScriptOutcome ParseScriptReply(const RedisReply& reply) const;

  RedisConnection& connection_;
  StoreSettings settings_;
};

}  // namespace ash
