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

  // Counts one duration.
  void Add(std::int64_t seconds);
  // Adds another aggregate's durations, as if each had been added here.
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

// Log-scale histogram of whole seconds. Values below 16 have a bucket each
// (bucket = value). From 16 on, each power of two [2^e, 2^(e+1)) is split
// into 8 equal buckets: bucket = 16 + (e - 4) * 8 + ((s >> (e - 3)) & 7),
// with e the index of the highest set bit of s. A bucket from 16 on spans
// 2^(e-3) values, so its midpoint is within 2^(e-4) <= s / 16 of any value s
// in it: a relative error of at most 1/16 (6.25%). The Lua scripts compute
// the same buckets, so the formula must not change.
inline constexpr double kHistogramRelativeError = 1.0 / 16.0;
// The bucket of INT64_MAX (e = 62); no valid bucket is larger.
inline constexpr int kHistogramMaxBucket = 16 + (62 - 4) * 8 + 7;

// The bucket of a duration; negative seconds count as 0.
int HistogramBucket(std::int64_t seconds);
// The inclusive range of values in a bucket. Buckets outside
// 0..kHistogramMaxBucket are clamped to that range.
std::int64_t HistogramBucketLow(int bucket);   // smallest value in bucket
std::int64_t HistogramBucketHigh(int bucket);  // largest value in bucket
// (low + high) / 2, rounded down.
std::int64_t HistogramBucketMidpoint(int bucket);

}  // namespace ash
