#include "storage/redis_connection.h"

#include <gtest/gtest.h>

#include "support/redis_server.h"

namespace ash {
namespace {

TEST(RedisConnectionTest, PipelineReturnsRepliesInOrder) {
  auto connection = testing::SharedRedis().Connect();
  auto replies = connection->Pipeline({{"SET", "a", "1"}, {"INCR", "a"}, {"GET", "missing"}});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].str(), "OK");
  EXPECT_EQ(replies[1].integer(), 2);
  EXPECT_TRUE(replies[2].is_nil());
}

TEST(RedisConnectionTest, ConnectErrorNamesEndpoint) {
  RedisEndpoint endpoint;
  endpoint.kind = RedisEndpoint::Kind::kUnix;
  endpoint.socket_path = "/nonexistent/ash-test.sock";
  auto connection = RedisConnection::Connect(endpoint);
  ASSERT_FALSE(connection.ok());
  EXPECT_NE(connection.error().find("unix:/nonexistent/ash-test.sock"), std::string::npos) << connection.error();
}

TEST(RedisConnectionTest, EvalLoadsScriptAgainAfterFlush) {
  auto connection = testing::SharedRedis().Connect();
  EXPECT_EQ(connection->Eval("return 7", {}, {}).integer(), 7);
  connection->Command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(connection->Eval("return 7", {}, {}).integer(), 7);
}

TEST(RedisUrlTest, ParsesTcpUrlWithPasswordAndDb) {
  auto endpoint = ParseRedisUrl("redis://:s3cret@127.0.0.1:6380/2");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 6380);
  EXPECT_EQ(endpoint->db, 2);
  EXPECT_EQ(endpoint->password.value_or(""), "s3cret");
  EXPECT_EQ(endpoint->Describe().find("s3cret"), std::string::npos);
}

TEST(RedisUrlTest, ParsesUnixUrlWithDb) {
  auto endpoint = ParseRedisUrl("unix:///run/redis/redis.sock?db=3");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  EXPECT_EQ(endpoint->kind, RedisEndpoint::Kind::kUnix);
  EXPECT_EQ(endpoint->socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(endpoint->db, 3);
}

TEST(RedisUrlTest, RejectsBadPortSchemeAndDb) {
  EXPECT_FALSE(ParseRedisUrl("redis://127.0.0.1:99999/0").ok());
  EXPECT_FALSE(ParseRedisUrl("http://127.0.0.1:6379").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://127.0.0.1:6379/x").ok());
  EXPECT_FALSE(ParseRedisUrl("unix://relative.sock").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://:6379/0").ok());
}

}  // namespace
}  // namespace ash
