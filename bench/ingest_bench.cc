// Event intake throughput and record size, measured against a private
// redis-server on a unix socket:
//
// - Ingest: 100,000 simulated events applied by EventStore::ApplyBatch in
//   pipelined batches of 500, as `ash-metrics ingest` does, next to
//   redis-benchmark running EVALSHA of the same script on the same server in
//   the same run (alert_created with random ids, pipelined 500 deep on one
//   connection). The ratio of the two is the figure of merit; the target is
//   at least 0.5.
// - Memory: MEMORY USAGE of each Ash-Bot v5 alert record of the fixture
//   week (a sorted set of JSON versions) against the same alert converted
//   into the current hash layout.
//
// Run: build/bench/ingest_bench (needs redis-server and redis-benchmark).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <regex>

#include <fmt/format.h>

#include "domain/civil_time.h"
#include "generated/lua_scripts.h"
#include "sim/simulator.h"
#include "storage/event_store.h"
#include "storage/legacy_import.h"
#include "support/redis_server.h"

namespace ash {
namespace {

constexpr int kEventTarget = 100000;
constexpr int kBatch = 500;

testing::RedisServer& Server() {
  static testing::RedisServer server;
  return server;
}

std::vector<Event> SimulatedEvents() {
  // About 2.8 events per alert; take the first 100,000 events.
  std::vector<Event> events = SimulateWeek({Date::FromYmd(2026, 1, 5), 37000, 42});
  if (events.size() > kEventTarget) events.resize(kEventTarget);
  return events;
}

void BM_IngestSimulatedEvents(benchmark::State& state) {
  const std::vector<Event> events = SimulatedEvents();
  const EpochMs now = Date::FromYmd(2026, 1, 12).StartMs() + 9 * kMsPerHour;
  for (auto _ : state) {
    state.PauseTiming();
    Server().FlushAll();
    auto connection = Server().Connect();
    EventStore store(*connection, StoreSettings{});
    state.ResumeTiming();
    for (size_t start = 0; start < events.size(); start += kBatch) {
      const size_t count = std::min<size_t>(kBatch, events.size() - start);
      benchmark::DoNotOptimize(store.ApplyBatch(std::span<const Event>(events.data() + start, count), now));
    }
  }
  state.counters["events_per_second"] =
      benchmark::Counter(static_cast<double>(events.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IngestSimulatedEvents)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

// Runs redis-benchmark with EVALSHA of the apply script; returns requests
// per second, or 0 when redis-benchmark is missing or its output is unknown.
double RawEvalshaRate() {
  Server().FlushAll();
  auto connection = Server().Connect();
  const std::string sha = connection->LoadScript(lua::kLuaApplyEvent);
  const EpochMs at = Date::FromYmd(2026, 1, 7).StartMs();
  const std::string command = fmt::format(
      "redis-benchmark -s {} -n {} -c 1 -P {} -r 100000000 -q EVALSHA {} 0 alert_created alert___rand_int__ "
      "__rand_int__ {} {} '' {} {} 258877960599111668 652367420041863082 '' high 1 2>&1",
      Server().socket_path(), kEventTarget, kBatch, sha, at, at + kMsPerHour, 90 * kMsPerDay, 365 * kMsPerDay);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return 0;
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  pclose(pipe);
  std::smatch match;
  // "EVALSHA ...: 123456.79 requests per second" (the last figure printed).
  std::regex rate(R"(([0-9]+(\.[0-9]+)?) requests per second)");
  double last = 0;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), rate); it != std::sregex_iterator(); ++it) {
    last = std::stod((*it)[1]);
  }
  return last;
}

void BM_RedisBenchmarkEvalsha(benchmark::State& state) {
  double rate = 0;
  for (auto _ : state) rate = RawEvalshaRate();
  state.counters["requests_per_second"] = rate;
}
BENCHMARK(BM_RedisBenchmarkEvalsha)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_RecordMemory(benchmark::State& state) {
  double v5_bytes = 0;
  double current_bytes = 0;
  for (auto _ : state) {
    Server().FlushAll();
    auto connection = Server().Connect();
    testing::LoadRedisExport(*connection, testing::TestDataPath("week-2026-01-05.redis.jsonl"));
    std::vector<std::string> ids;
    RedisReply keys = connection->Command({"KEYS", "ash:metrics:alert:*"});
    for (const RedisReply& key : keys.elements()) ids.push_back(key.str());
    std::int64_t v5_total = 0;
    for (const std::string& key : ids) v5_total += connection->Command({"MEMORY", "USAGE", key}).integer();

    const EpochMs snapshot = *ParseRfc3339("2026-01-12T09:30:00Z");
    LegacyImportOptions options;
    options.convert = true;
    ImportLegacy(*connection, StoreSettings{}, snapshot, options);
    std::int64_t current_total = 0;
    for (const std::string& key : ids) current_total += connection->Command({"MEMORY", "USAGE", key}).integer();
    v5_bytes = static_cast<double>(v5_total) / static_cast<double>(ids.size());
    current_bytes = static_cast<double>(current_total) / static_cast<double>(ids.size());
  }
  state.counters["v5_bytes_per_record"] = v5_bytes;
  state.counters["current_bytes_per_record"] = current_bytes;
  state.counters["current_over_v5"] = current_bytes / v5_bytes;
}
BENCHMARK(BM_RecordMemory)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace ash

BENCHMARK_MAIN();
