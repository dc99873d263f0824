#include "domain/daily_aggregate.h"

#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace ash {
namespace {

constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max();

TEST(DurationAggregateTest, AddTracksCountSumMinMax) {
  DurationAggregate aggregate;
  EXPECT_FALSE(aggregate.min.has_value());
  EXPECT_FALSE(aggregate.max.has_value());

  aggregate.Add(30);
  aggregate.Add(10);
  aggregate.Add(20);
  EXPECT_EQ(aggregate.count, 3);
  EXPECT_EQ(aggregate.sum, 60);
  EXPECT_EQ(aggregate.min, 10);
  EXPECT_EQ(aggregate.max, 30);
}

TEST(DurationAggregateTest, MergeEqualsAddingEachValue) {
  DurationAggregate left;
  left.Add(5);
  left.Add(50);
  DurationAggregate right;
  right.Add(2);
  right.Add(70);
  DurationAggregate all;
  for (std::int64_t value : {5, 50, 2, 70}) {
    all.Add(value);
  }

  left.Merge(right);
  EXPECT_EQ(left.count, all.count);
  EXPECT_EQ(left.sum, all.sum);
  EXPECT_EQ(left.min, 2);
  EXPECT_EQ(left.max, 70);
}

TEST(DurationAggregateTest, MergeWithEmptyKeepsValues) {
  DurationAggregate filled;
  filled.Add(7);
  DurationAggregate empty;

  DurationAggregate into_empty;
  into_empty.Merge(filled);
  EXPECT_EQ(into_empty.count, 1);
  EXPECT_EQ(into_empty.min, 7);
  EXPECT_EQ(into_empty.max, 7);

  filled.Merge(empty);
  EXPECT_EQ(filled.count, 1);
  EXPECT_EQ(filled.sum, 7);
  EXPECT_EQ(filled.min, 7);
  EXPECT_EQ(filled.max, 7);
}

TEST(HistogramBucketTest, ExactBelowSixteen) {
  for (std::int64_t s = 0; s < 16; ++s) {
    EXPECT_EQ(HistogramBucket(s), s);
    EXPECT_EQ(HistogramBucketLow(static_cast<int>(s)), s);
    EXPECT_EQ(HistogramBucketHigh(static_cast<int>(s)), s);
    EXPECT_EQ(HistogramBucketMidpoint(static_cast<int>(s)), s);
  }
}

TEST(HistogramBucketTest, NegativeCountsAsZero) {
  EXPECT_EQ(HistogramBucket(-1), 0);
  EXPECT_EQ(HistogramBucket(std::numeric_limits<std::int64_t>::min()), 0);
}

TEST(HistogramBucketTest, BoundariesAroundPowersOfTwo) {
  // e = 4: buckets of width 2 from 16.
  EXPECT_EQ(HistogramBucket(15), 15);
  EXPECT_EQ(HistogramBucket(16), 16);
  EXPECT_EQ(HistogramBucket(17), 16);
  EXPECT_EQ(HistogramBucket(18), 17);
  EXPECT_EQ(HistogramBucket(31), 23);
  // e = 5: buckets of width 4 from 32.
  EXPECT_EQ(HistogramBucket(32), 24);
  EXPECT_EQ(HistogramBucket(33), 24);
  EXPECT_EQ(HistogramBucket(35), 24);
  EXPECT_EQ(HistogramBucket(36), 25);
  EXPECT_EQ(HistogramBucket(63), 31);
  EXPECT_EQ(HistogramBucket(64), 32);
}

TEST(HistogramBucketTest, FormulaOnKnownValues) {
  // bucket = 16 + (e - 4) * 8 + ((s >> (e - 3)) & 7)
  EXPECT_EQ(HistogramBucket(143), 16 + 3 * 8 + ((143 >> 4) & 7));  // e = 7
  EXPECT_EQ(HistogramBucket(1258), 16 + 6 * 8 + ((1258 >> 7) & 7));  // e = 10
  EXPECT_EQ(HistogramBucket(86400), 16 + 12 * 8 + ((86400 >> 13) & 7));  // e = 16
}

TEST(HistogramBucketTest, RangesOfFirstLogBuckets) {
  EXPECT_EQ(HistogramBucketLow(16), 16);
  EXPECT_EQ(HistogramBucketHigh(16), 17);
  EXPECT_EQ(HistogramBucketMidpoint(16), 16);
  EXPECT_EQ(HistogramBucketLow(23), 30);
  EXPECT_EQ(HistogramBucketHigh(23), 31);
  EXPECT_EQ(HistogramBucketLow(24), 32);
  EXPECT_EQ(HistogramBucketHigh(24), 35);
  EXPECT_EQ(HistogramBucketMidpoint(24), 33);
}

TEST(HistogramBucketTest, LargestValues) {
  EXPECT_EQ(HistogramBucket(kMaxSeconds), kHistogramMaxBucket);
  EXPECT_EQ(HistogramBucketHigh(kHistogramMaxBucket), kMaxSeconds);
  EXPECT_EQ(HistogramBucketLow(kHistogramMaxBucket), std::int64_t{15} << 59);
  EXPECT_EQ(HistogramBucket(std::int64_t{1} << 62), 16 + 58 * 8);
  EXPECT_EQ(HistogramBucketLow(16 + 58 * 8), std::int64_t{1} << 62);
}

TEST(HistogramBucketTest, OutOfRangeBucketsClamp) {
  EXPECT_EQ(HistogramBucketLow(-3), 0);
  EXPECT_EQ(HistogramBucketHigh(kHistogramMaxBucket + 1), kMaxSeconds);
}

TEST(HistogramBucketTest, BucketsTileTheNonNegativeRange) {
  // Each bucket starts right after the previous one ends.
  for (int bucket = 1; bucket <= kHistogramMaxBucket; ++bucket) {
    ASSERT_EQ(HistogramBucketLow(bucket), HistogramBucketHigh(bucket - 1) + 1) << "bucket " << bucket;
    ASSERT_EQ(HistogramBucket(HistogramBucketLow(bucket)), bucket) << "bucket " << bucket;
    ASSERT_EQ(HistogramBucket(HistogramBucketHigh(bucket)), bucket) << "bucket " << bucket;
  }
}

// Values around every power of two and a sweep of small ones.
std::vector<std::int64_t> SampleValues() {
  std::vector<std::int64_t> values;
  for (std::int64_t s = 0; s <= 100000; ++s) {
    values.push_back(s);
  }
  for (int e = 17; e <= 62; ++e) {
    const std::int64_t power = std::int64_t{1} << e;
    for (std::int64_t delta : {-3, -2, -1, 0, 1, 2, 3}) {
      values.push_back(power + delta);
    }
    values.push_back(power + power / 3);
    values.push_back(power + power / 2 + 12345);
  }
  values.push_back(kMaxSeconds);
  return values;
}

TEST(HistogramBucketTest, ValueLiesInItsBucketRange) {
  for (std::int64_t value : SampleValues()) {
    const int bucket = HistogramBucket(value);
    ASSERT_LE(HistogramBucketLow(bucket), value) << "value " << value;
    ASSERT_LE(value, HistogramBucketHigh(bucket)) << "value " << value;
  }
}

TEST(HistogramBucketTest, MidpointWithinRelativeError) {
  for (std::int64_t value : SampleValues()) {
    const int bucket = HistogramBucket(value);
    const std::int64_t midpoint = HistogramBucketMidpoint(bucket);
    const std::int64_t error = midpoint > value ? midpoint - value : value - midpoint;
    ASSERT_LE(static_cast<long double>(error), static_cast<long double>(value) * kHistogramRelativeError)
        << "value " << value << " midpoint " << midpoint;
  }
}

}  // namespace
}  // namespace ash
