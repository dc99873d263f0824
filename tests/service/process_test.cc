// Out-of-process tests: the built ash-metrics binary runs `serve` as a
// child process, so it can be killed with SIGKILL or stopped with SIGTERM.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/civil_time.h"
#include "domain/weekly_summary.h"
#include "storage/alert_reader.h"
#include "storage/keys.h"
#include "service_fixture.h"
#include "support/redis_server.h"
#include "util/subprocess.h"

namespace ash::testing {
namespace {

using Json = nlohmann::json;

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// `ash-metrics serve` as a child process in its own folder, whose log goes
// to serve.log there.
class ServeProcess {
 public:
  // `port` 0 picks a free loopback port.
  ServeProcess(const std::string& redis_url, const std::string& directory, int port = 0)
      : port_(port != 0 ? port : FreeLoopbackPort()), directory_(directory) {
    std::filesystem::create_directories(directory + "/secrets");
    std::ofstream(directory + "/secrets/metrics_api_token") << kTestToken;
    SpawnOptions spawn;
    spawn.argv = {ASH_BINARY, "serve", "--redis-url", redis_url};
    spawn.environment = EnvironmentWith({{"BOT_METRICS_HTTP_PORT", std::to_string(port_)},
                                         {"BOT_SECRETS_DIR", directory + "/secrets"},
                                         {"BOT_WEEKLY_REPORT_ENABLED", "false"},
                                         {"BOT_RETENTION_ENABLED", "false"}});
    spawn.working_directory = directory;
    spawn.stdout_path = directory + "/serve.log";
    spawn.stderr_path = spawn.stdout_path;
    spawn.append_output = true;
    pid_ = SpawnProcess(spawn);
  }

  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool WaitHealthy() {
    return WaitUntil([&] {
      httplib::Client client("127.0.0.1", port_);
      auto result = client.Get("/health");
      return result && result->status == 200;
    });
  }

  void Signal(int signal_number) { ::kill(pid_, signal_number); }

  // Waits for the exit; returns the wait status.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  std::string Log() const {
    std::ifstream in(directory_ + "/serve.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  int port() const { return port_; }

 private:
  int port_;
  std::string directory_;
  pid_t pid_ = -1;
};

// Event times an hour before the real clock: the child uses the system clock.
std::string HoursAgo(int hours, int plus_seconds = 0) {
  return FormatRfc3339(SystemClock().NowMs() - hours * kMsPerHour + plus_seconds * kMsPerSecond);
}

void ExpectSameDurations(const DurationAggregate& actual, const DurationAggregate& expected, const char* name) {
  EXPECT_EQ(actual.count, expected.count) << name;
  EXPECT_EQ(actual.sum, expected.sum) << name;
  EXPECT_EQ(actual.min, expected.min) << name;
  EXPECT_EQ(actual.max, expected.max) << name;
}

// A second service on a port in use must exit instead of sharing the port
// and taking part of the first one's connections.
TEST(ServeProcessTest, SecondServeOnPortInUseFails) {
  RedisServer redis;
  ServeProcess first(redis.url(), MakeTempDir());
  ASSERT_TRUE(first.WaitHealthy()) << first.Log();

  ServeProcess second(redis.url(), MakeTempDir(), first.port());
  const int status = second.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << second.Log();
  EXPECT_EQ(WEXITSTATUS(status), 1) << second.Log();
  EXPECT_NE(second.Log().find("Cannot listen on 127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << second.Log();
  EXPECT_TRUE(first.WaitHealthy()) << first.Log();
}

TEST(ServeProcessTest, SigtermExitsZeroWithEventsInFlight) {
  RedisServer redis;
  ServeProcess serve(redis.url(), MakeTempDir());
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();

  std::mutex mutex;
  std::vector<std::pair<std::string, int>> answers;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    httplib::Client client("127.0.0.1", serve.port());
    for (int i = 0; !stop.load(); ++i) {
      const std::string id = "term-" + std::to_string(i);
      auto result = client.Post("/v1/events", InProcessService::Auth(),
                                AlertCreated(id, 500000 + static_cast<std::uint64_t>(i), HoursAgo(1)).dump(),
                                "application/json");
      std::lock_guard lock(mutex);
      answers.emplace_back(id, result ? result->status : -1);
      if (!result) break;  // the server has closed
    }
  });
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard lock(mutex);
    return answers.size() >= 100;
  }));

  serve.Signal(SIGTERM);
  const int status = serve.Wait();
  stop.store(true);
  writer.join();
  ASSERT_TRUE(WIFEXITED(status)) << serve.Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << serve.Log();

  auto connection = redis.Connect();
  for (const auto& [id, code] : answers) {
    if (code == 200) {
      EXPECT_TRUE(ReadAlert(*connection, id).has_value()) << id << " answered 200 but is missing";
    }
  }
}

TEST(ServeProcessTest, KillDuringStreamIntakeKeepsAggregatesExact) {
  constexpr int kAlerts = 2500;  // 4 events each: 10,000 stream entries
  RedisServer redis;
  auto connection = redis.Connect();
  std::vector<RedisCommand> batch;
  const auto flush = [&] {
    for (const RedisReply& reply : connection->Pipeline(batch)) reply.ExpectOk("XADD");
    batch.clear();
  };
  const std::string stream(keys::kEventStream);
  for (int i = 0; i < kAlerts; ++i) {
    const std::string id = "kill-" + std::to_string(i);
    const int hours = 1 + i % 48;
    Json created = AlertCreated(id, 100000 + static_cast<std::uint64_t>(i), HoursAgo(hours));
    created["severity"] = std::array<const char*, 4>{"low", "medium", "high", "critical"}[i % 4];
    const std::string responder = std::to_string(400000000000000001ULL + static_cast<std::uint64_t>(i % 7));
    const Json acknowledged = Acknowledged(id, responder, HoursAgo(hours, 30 + i % 600));
    const Json contacted = {{"type", "ash_contacted"}, {"alert_id", id},
                            {"initiated_by", i % 3 == 0 ? "auto" : responder}, {"at", HoursAgo(hours, 45 + i % 300)}};
    const Json resolved = {{"type", "resolved"}, {"alert_id", id}, {"at", HoursAgo(hours, 900 + i % 1200)}};
    for (const Json& event : {created, acknowledged, contacted, resolved}) {
      batch.push_back({"XADD", stream, "*", "event", event.dump()});
    }
    if (batch.size() >= 1000) flush();
  }
  flush();
  ASSERT_EQ(connection->Command({"XLEN", stream}).integer(), 4 * kAlerts);

  const std::string directory = MakeTempDir();
  {
    ServeProcess first(redis.url(), directory);
    ASSERT_TRUE(WaitUntil([&] { return connection->Command({"XLEN", stream}).integer() < 4 * kAlerts - 1500; }))
        << first.Log();
    first.Signal(SIGKILL);
    first.Wait();
  }
  ASSERT_GT(connection->Command({"XLEN", stream}).integer(), 0) << "the kill came after the intake finished";

  ServeProcess second(redis.url(), directory);
  ASSERT_TRUE(WaitUntil([&] {
    const RedisReply pending = connection->Command({"XPENDING", stream, std::string(keys::kStreamGroup)});
    if (!pending.is_array() || pending.elements().empty()) return false;
    return connection->Command({"XLEN", stream}).integer() == 0 && pending.elements()[0].integer() == 0;
  }, std::chrono::seconds(180))) << second.Log();
  second.Signal(SIGTERM);
  const int status = second.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << second.Log();

  // Every event applied exactly once: the aggregates equal a recomputation
  // from the alert records.
  const std::vector<AlertRecord> records = ReadAlertsCreatedBetween(*connection, 0, SystemClock().NowMs() + kMsPerDay);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kAlerts));
  for (const AlertRecord& record : records) {
    EXPECT_TRUE(record.acknowledged_at.has_value()) << record.alert_id;
    EXPECT_TRUE(record.ash_contacted_at.has_value()) << record.alert_id;
    EXPECT_TRUE(record.resolved_at.has_value()) << record.alert_id;
  }
  const std::vector<DailyAggregate> expected = BuildDailyAggregates(records);
  const std::vector<DailyAggregate> actual =
      ReadDailyAggregates(*connection, expected.front().date, expected.back().date);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t d = 0; d < expected.size(); ++d) {
    SCOPED_TRACE(FormatIsoDate(expected[d].date));
    EXPECT_EQ(actual[d].date, expected[d].date);
    EXPECT_EQ(actual[d].total, expected[d].total);
    EXPECT_EQ(actual[d].by_severity, expected[d].by_severity);
    EXPECT_EQ(actual[d].by_hour, expected[d].by_hour);
    ExpectSameDurations(actual[d].acknowledge, expected[d].acknowledge, "acknowledge");
    ExpectSameDurations(actual[d].ash_contact, expected[d].ash_contact, "ash_contact");
    ExpectSameDurations(actual[d].response, expected[d].response, "response");
    ExpectSameDurations(actual[d].resolve, expected[d].resolve, "resolve");
    EXPECT_EQ(actual[d].ash_auto, expected[d].ash_auto);
    EXPECT_EQ(actual[d].ash_manual, expected[d].ash_manual);
    EXPECT_EQ(actual[d].opted_out, expected[d].opted_out);
    EXPECT_EQ(actual[d].acknowledgments_by_responder, expected[d].acknowledgments_by_responder);
    EXPECT_EQ(actual[d].acknowledge_histogram, expected[d].acknowledge_histogram);
  }
}

}  // namespace
}  // namespace ash::testing
