#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>

#include "domain/civil_time.h"
#include "domain/snowflake.h"

namespace ash {

// Count, sum, minimum and maximum of one lifecycle step's durations.
struct DurationAggregate {
  std::int64_t count = 0;
  std::int64_t sum = 0;
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;

  void Add(std::int64_t seconds);
  void Merge(const DurationAggregate& other);
};

// The counters of the alerts created on one UTC day. Every figure belongs to
// the day of creation, whenever the later steps happened.
struct DailyAggregate {
  Date date;
  std::int64_t total = 0;
  std::array<std::int64_t, 4> by_severity{};  // indexed by Severity
  std::array<std::int64_t, 24> by_hour{};     // UTC hour of creation
  DurationAggregate acknowledge;
  DurationAggregate ash_contact;
  DurationAggregate response;
  DurationAggregate resolve;
  std::int64_t ash_auto = 0;
  std::int64_t ash_manual = 0;
  std::int64_t opted_out = 0;
  std::map<Snowflake, std::int64_t> acknowledgments_by_responder;
  std::map<int, std::int64_t> acknowledge_histogram;  // bucket -> count
};

// Log-scale histogram of seconds: exact below 16 s, then 8 buckets per
// power of two, so a bucket's midpoint is within 1/16 (6.25%) of any value
// in it. The Lua scripts compute the same buckets.
inline constexpr double kHistogramRelativeError = 1.0 / 16.0;
int HistogramBucket(std::int64_t seconds);
std::int64_t HistogramBucketLow(int bucket);   // smallest value in bucket
std::int64_t HistogramBucketHigh(int bucket);  // largest value in bucket
std::int64_t HistogramBucketMidpoint(int bucket);

}  // namespace ash
