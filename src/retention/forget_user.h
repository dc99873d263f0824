#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/snowflake.h"
#include "storage/redis_connection.h"

namespace ash {

// One alert record from which the person's id was removed, and the fields
// that held it.
struct ErasedAlertFields {
  std::string alert_id;
  bool legacy = false;  // v5 sorted-set layout
  std::vector<std::string> fields;
};

// The keys and fields that forget-user removed, or in a dry run would remove.
struct ForgetUserReport {
  Snowflake user_id = 0;
  EpochMs now = 0;
  bool dry_run = false;
  std::vector<std::string> removed_keys;        // history, opt-out, sessions, follow-ups, pending alerts
  std::int64_t history_entries_removed = 0;     // messages in the removed history keys
  std::vector<std::string> sessions_removed;    // session ids
  std::vector<ErasedAlertFields> alert_records;
  std::vector<std::string> aggregate_days;      // daily aggregates whose responder count was made anonymous
  std::int64_t dead_letters_removed = 0;        // entries of ash:metrics:events:dead that name the person
  std::optional<std::string> error;

  bool ok() const { return !error.has_value(); }
};

// Erases one person's data. It removes their message history in every
// guild, their opt-out, the sessions (meta and CRT notes) started by them,
// and the follow-ups and pending auto-initiates that name them. It removes
// their id from alert records, where timestamps and durations stay, so the
// anonymous counts stay. Their per-responder count in daily aggregates
// moves to the anonymous "responder:erased" field (v5: "erased" in
// top_responders). Dead letters (events that could not apply) that contain
// the id are deleted. A lost connection (RedisIoError) is caught and reported
// in error, and running it again finishes. A dry run reads the same keys
// and changes nothing.
ForgetUserReport ForgetUser(RedisConnection& connection, Snowflake user_id, EpochMs now, bool dry_run,
                            int batch_size = 500);

nlohmann::json ForgetUserToJson(const ForgetUserReport& report);
std::string RenderForgetUserText(const ForgetUserReport& report);

}  // namespace ash
