#include "domain/daily_aggregate.h"

#include <algorithm>
#include <bit>

namespace ash {
namespace {

constexpr int kExactBuckets = 16;
constexpr int kBucketsPerPowerOfTwo = 8;
constexpr int kFirstLogExponent = 4;  // 16 = 2^4 is the first logged value

}  // namespace

void DurationAggregate::Add(std::int64_t seconds) {
  count += 1;
  sum += seconds;
  min = min ? std::min(*min, seconds) : seconds;
  max = max ? std::max(*max, seconds) : seconds;
}

void DurationAggregate::Merge(const DurationAggregate& other) {
  count += other.count;
  sum += other.sum;
  if (other.min) {
    min = min ? std::min(*min, *other.min) : *other.min;
  }
  if (other.max) {
    max = max ? std::max(*max, *other.max) : *other.max;
  }
}

int HistogramBucket(std::int64_t seconds) {
  if (seconds < kExactBuckets) {
    return seconds < 0 ? 0 : static_cast<int>(seconds);
  }
  const auto value = static_cast<std::uint64_t>(seconds);
  const int exponent = std::bit_width(value) - 1;
  const int sub_bucket = static_cast<int>((value >> (exponent - 3)) & 7);
  return kExactBuckets + (exponent - kFirstLogExponent) * kBucketsPerPowerOfTwo + sub_bucket;
}

std::int64_t HistogramBucketLow(int bucket) {
  bucket = std::clamp(bucket, 0, kHistogramMaxBucket);
  if (bucket < kExactBuckets) {
    return bucket;
  }
  const int exponent = kFirstLogExponent + (bucket - kExactBuckets) / kBucketsPerPowerOfTwo;
  const std::int64_t sub_bucket = (bucket - kExactBuckets) % kBucketsPerPowerOfTwo;
  return (kBucketsPerPowerOfTwo + sub_bucket) << (exponent - 3);
}

std::int64_t HistogramBucketHigh(int bucket) {
  bucket = std::clamp(bucket, 0, kHistogramMaxBucket);
  if (bucket < kExactBuckets) {
    return bucket;
  }
  const int exponent = kFirstLogExponent + (bucket - kExactBuckets) / kBucketsPerPowerOfTwo;
  const std::int64_t width = std::int64_t{1} << (exponent - 3);
  // For the last bucket low + width is 2^63, so subtract before adding.
  return HistogramBucketLow(bucket) + (width - 1);
}

std::int64_t HistogramBucketMidpoint(int bucket) {
  const std::int64_t low = HistogramBucketLow(bucket);
  return low + (HistogramBucketHigh(bucket) - low) / 2;
}

}  // namespace ash
