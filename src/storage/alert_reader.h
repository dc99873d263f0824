#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/alert_record.h"
#include "domain/daily_aggregate.h"
#include "storage/redis_connection.h"

namespace ash {

using HashFields = std::vector<std::pair<std::string, std::string>>;

// The record of a current-layout hash (HGETALL pairs). nullopt when a
// required field is missing or malformed.
std::optional<AlertRecord> AlertRecordFromHash(const HashFields& fields);

// Reads one alert in either layout; nullopt when it does not exist.
std::optional<AlertRecord> ReadAlert(RedisConnection& connection, std::string_view alert_id);

// Reads every indexed alert created in [from_ms, to_ms), in either layout,
// in pipelined batches. Index entries whose record expired are skipped.
std::vector<AlertRecord> ReadAlertsCreatedBetween(RedisConnection& connection, EpochMs from_ms, EpochMs to_ms);

// Reads the current-layout daily aggregates of the dates first..last;
// dates without one (or with only a v5 aggregate) are left out.
std::vector<DailyAggregate> ReadDailyAggregates(RedisConnection& connection, Date first, Date last);

// The aggregate stored in a daily hash.
DailyAggregate DailyAggregateFromHash(Date date, const HashFields& fields);

}  // namespace ash
