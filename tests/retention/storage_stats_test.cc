#include "retention/storage_stats.h"

#include <gtest/gtest.h>

#include "retention/retention_run.h"
#include "retention_test_util.h"
#include "support/redis_server.h"

namespace ash {
namespace {

using retention_test::At;

class StorageStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SharedRedis().FlushAll();
    redis_ = testing::SharedRedis().Connect();
  }
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(StorageStatsTest, CountsFixtureByCategory) {
  testing::LoadRedisExport(*redis_, testing::TestDataPath("week-2026-01-05.redis.jsonl"));
  redis_->Command({"HSET", "ash:metrics:alert:alert_current", "created_at", "1"});
  redis_->Command({"HSET", "ash:metrics:daily:2026-01-13", "total", "1"});
  redis_->Command({"ZADD", "ash:metrics:index:created", "1", "alert_current"});
  redis_->Command({"SET", "unrelated", "1"});

  StorageStats stats = CollectStorageStats(*redis_, 10);

  EXPECT_EQ(stats.key_counts["alert_records_v5"], 44);
  EXPECT_EQ(stats.key_counts["alert_records_current"], 1);
  EXPECT_EQ(stats.key_counts["alert_lookups"], 44);
  EXPECT_EQ(stats.key_counts["alert_index"], 1);
  EXPECT_EQ(stats.key_counts["daily_aggregates_v5"], 9);
  EXPECT_EQ(stats.key_counts["daily_aggregates_current"], 1);
  EXPECT_EQ(stats.key_counts["message_history"], 30);
  EXPECT_EQ(stats.key_counts["opt_outs"], 4);
  EXPECT_EQ(stats.key_counts["session_meta"], 17);
  EXPECT_EQ(stats.key_counts["session_notes"], 3);
  EXPECT_EQ(stats.key_counts["followups"], 18);
  EXPECT_EQ(stats.key_counts["other"], 1);
  EXPECT_EQ(stats.total_keys, 170 + 4);
  EXPECT_GT(stats.used_memory_bytes, 0);
  EXPECT_FALSE(stats.last_cleanup.has_value());
  EXPECT_NE(RenderStorageStatsText(stats).find("Last cleanup: none recorded"), std::string::npos);
}

TEST_F(StorageStatsTest, ShowsLastCleanup) {
  RunRetention(*redis_, RetentionSettings{}, At("2026-01-20T03:00:00Z"), false);
  StorageStats stats = CollectStorageStats(*redis_);
  ASSERT_TRUE(stats.last_cleanup.has_value());
  EXPECT_EQ(stats.key_counts["retention"], 1);
  nlohmann::json json = StorageStatsToJson(stats);
  EXPECT_EQ(json["last_cleanup"]["now"], "2026-01-20T03:00:00.000Z");
  EXPECT_NE(RenderStorageStatsText(stats).find("Last cleanup: 2026-01-20T03:00:00.000Z"), std::string::npos)
      << RenderStorageStatsText(stats);
}

}  // namespace
}  // namespace ash
