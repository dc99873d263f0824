#include <atomic>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/civil_time.h"
#include "storage/alert_reader.h"
#include "storage/keys.h"
#include "service_fixture.h"
#include "support/redis_server.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

std::vector<Json> ReadSpoolLines(const std::string& path) {
  std::vector<Json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(Json::parse(line));
  }
  return lines;
}

bool Healthy(const InProcessService& service) {
  const Json health = service.Health();
  return health.value("status", "") == "ok" && health["spool"]["events"] == 0;
}

TEST(RedisOutageTest, HealthDegradedAndSpoolReplays) {
  RedisServer redis;
  InProcessService::Settings settings;
  settings.redis_url = redis.url();
  InProcessService service(settings);
  ASSERT_EQ(service.PostEvent(AlertCreated("before", 1000))->status, 200);

  redis.Stop();
  ASSERT_TRUE(WaitUntil([&] { return service.Health().value("status", "") == "degraded"; }));
  const Json health = service.Health();
  EXPECT_EQ(health["ready"], false);
  EXPECT_EQ(health["redis"]["up"], false);
  EXPECT_FALSE(health["redis"]["error"].get<std::string>().empty());
  EXPECT_EQ(service.Client().Get("/v1/alerts/before", InProcessService::Auth())->status, 503);

  // Accepted while Redis is down: spooled in order, answered 202.
  auto created = service.PostEvent(AlertCreated("x", 5001));
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 202);
  const Json created_body = Json::parse(created->body);
  EXPECT_EQ(created_body["status"], "spooled");
  EXPECT_EQ(created_body["event_id"].get<std::string>().rfind("spool-", 0), 0u) << created->body;
  EXPECT_EQ(service.PostEvent(Acknowledged("x", "400000000000000001"))->status, 202);
  Json second_ack = Acknowledged("x", "400000000000000002", "2026-01-07T10:01:00Z");
  second_ack["event_id"] = "client-chosen-id";
  auto second = service.PostEvent(second_ack);
  EXPECT_EQ(Json::parse(second->body)["event_id"], "client-chosen-id");
  Json no_time = AlertCreated("y", 5002);
  no_time.erase("at");
  EXPECT_EQ(service.PostEvent(no_time)->status, 202);
  // Invalid events are still rejected at once.
  Json invalid = AlertCreated("z", 5003);
  invalid["severity"] = "urgent";
  EXPECT_EQ(service.PostEvent(invalid)->status, 400);

  // The spool holds each accepted event with an id and a time.
  const std::vector<Json> spooled = ReadSpoolLines(service.spool_path());
  ASSERT_EQ(spooled.size(), 4u);
  EXPECT_EQ(spooled[0]["type"], "alert_created");
  EXPECT_EQ(spooled[0]["alert_id"], "x");
  EXPECT_EQ(spooled[0]["event_id"], created_body["event_id"]);
  EXPECT_EQ(spooled[1]["type"], "acknowledged");
  EXPECT_EQ(spooled[2]["event_id"], "client-chosen-id");
  EXPECT_EQ(spooled[3]["alert_id"], "y");
  EXPECT_EQ(ParseRfc3339(spooled[3]["at"].get<std::string>()), kTestNow);
  for (const Json& line : spooled) EXPECT_FALSE(line["event_id"].get<std::string>().empty());
  const std::string metrics = service.Client().Get("/metrics")->body;
  EXPECT_NE(metrics.find("ash_metrics_spool_events 4"), std::string::npos);
  EXPECT_NE(metrics.find("ash_metrics_redis_up 0"), std::string::npos);

  // Redis returns (empty): the spool replays in order and is emptied.
  redis.Start();
  ASSERT_TRUE(WaitUntil([&] { return Healthy(service); }));
  auto alert = service.Client().Get("/v1/alerts/x", InProcessService::Auth());
  ASSERT_EQ(alert->status, 200);
  EXPECT_EQ(Json::parse(alert->body)["acknowledged_by"], "400000000000000001") << "replay kept the order";
  auto late = service.Client().Get("/v1/alerts/y", InProcessService::Auth());
  ASSERT_EQ(late->status, 200);
  EXPECT_EQ(Json::parse(late->body)["created_at"], FormatRfc3339(kTestNow)) << "replay kept the receive time";
  EXPECT_TRUE(ReadSpoolLines(service.spool_path()).empty());
  EXPECT_EQ(service.Stop(), 0);
}

TEST(RedisOutageTest, FiveSecondOutageAppliesEachEventOnce) {
  RedisServer redis;
  InProcessService::Settings settings;
  settings.redis_url = redis.url();
  InProcessService service(settings);

  std::mutex mutex;
  std::vector<std::pair<std::string, int>> answers;  // alert id, HTTP status
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string id = "outage-" + std::to_string(i);
      auto result = service.PostEvent(AlertCreated(id, 900000 + static_cast<std::uint64_t>(i)));
      std::lock_guard lock(mutex);
      answers.emplace_back(id, result ? result->status : -1);
    }
  });
  const auto answered = [&] {
    std::lock_guard lock(mutex);
    return answers.size();
  };

  ASSERT_TRUE(WaitUntil([&] { return answered() >= 50; }));
  redis.Stop();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const std::size_t during_outage = answered();
  redis.Start();
  ASSERT_TRUE(WaitUntil([&] { return answered() >= during_outage + 50 && service.Health()["redis"]["up"] == true; }));
  stop.store(true);
  writer.join();
  ASSERT_TRUE(WaitUntil([&] { return Healthy(service); }));

  // Redis restarted empty, so the events it applied before the outage are
  // gone; every event answered 202 must be there, and nothing counted twice.
  auto connection = redis.Connect();
  std::size_t spooled = 0;
  for (const auto& [id, status] : answers) {
    ASSERT_TRUE(status == 200 || status == 202) << id << " answered " << status;
    if (status != 202) continue;
    ++spooled;
    EXPECT_TRUE(ReadAlert(*connection, id).has_value()) << id << " was answered 202 but never applied";
  }
  EXPECT_GT(spooled, 0u) << "no event was sent during the outage";

  const Date day = Date::FromYmd(2026, 1, 7);
  const auto aggregates = ReadDailyAggregates(*connection, day, day);
  ASSERT_EQ(aggregates.size(), 1u);
  const std::int64_t indexed = connection->Command({"ZCARD", std::string(keys::kCreatedIndex)}).integer();
  EXPECT_EQ(aggregates[0].total, indexed) << "an alert was counted twice or not at all";
  EXPECT_GE(indexed, static_cast<std::int64_t>(spooled));
}

}  // namespace
}  // namespace ash::testing
