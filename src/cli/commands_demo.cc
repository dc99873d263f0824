#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/private_redis.h"
#include "domain/civil_time.h"
#include "report/report_render.h"
#include "report/weekly_report_builder.h"
#include "sim/simulator.h"

namespace ash::cli {
namespace {

// The bundled sample: data/sample-week.ndjson is this simulation, written
// by `ash-metrics simulate --week-of 2026-11-23 --alerts 60 --seed 20261123`.
constexpr int kSampleAlerts = 60;
constexpr std::uint64_t kSampleSeed = 20261123;
const Date kSampleWeekStart = Date::FromYmd(2026, 11, 23);

}  // namespace

int RunSimulate(CliContext&, const SimulateCommandOptions& options) {
  auto week_start = ParseIsoDate(options.week_of);
  if (!week_start) {
    throw CommandError{kExitUsage,
                       fmt::format("invalid --week-of \"{}\": use a date such as 2026-01-05", options.week_of)};
  }
  SimulationOptions simulation{*week_start, options.alerts, options.seed};
  const std::string ndjson = EventsToNdjson(SimulateWeek(simulation));
  if (!options.output) {
    std::cout << ndjson;
    return kExitOk;
  }
  std::ofstream output(*options.output);
  output << ndjson;
  if (!output.flush()) {
    throw CommandError{kExitFailed, fmt::format("cannot write \"{}\": check the folder exists and is writable",
                                                *options.output)};
  }
  return kExitOk;
}

int RunDemo(CliContext& context) {
  // The report runs on the Monday after the sample week, like the schedule.
  const EpochMs now = context.now_override.value_or(kSampleWeekStart.AddDays(7).StartMs() + 9 * kMsPerHour);
  const std::vector<Event> events = SimulateWeek({kSampleWeekStart, kSampleAlerts, kSampleSeed});

  std::optional<PrivateRedis> private_redis;
  std::unique_ptr<RedisConnection> connection;
  if (context.redis_url) {
    std::cerr << "demo: using the Redis given by --redis-url; the sample events are written there\n";
    connection = context.ConnectRedis();
  } else {
    private_redis.emplace();
    auto connected = RedisConnection::Connect(private_redis->endpoint());
    if (!connected.ok()) throw CommandError{kExitRedisDown, connected.error()};
    connection = std::move(connected).value();
  }

  EventStore store(*connection, context.store_settings());
  std::int64_t applied = 0;
  for (const ApplyResult& result : store.ApplyBatch(events, now)) {
    if (result.status == ApplyStatus::kApplied) ++applied;
  }
  std::cout << fmt::format("Ingested {} simulated events ({} applied) for the week of {}.\n\n", events.size(),
                           applied, FormatLongDate(kSampleWeekStart));

  const WeekWindow window = WeekWindow::EndingOn(kSampleWeekStart.AddDays(6));
  WeeklyReportData report =
      BuildWeeklyReport(*connection, window, now, context.config.ReadableAlertDays());
  ReportStyle style;
  style.community_name = context.config.weekly_report.community_name;
  std::cout << RenderTextReport(report, style);
  return kExitOk;
}

}  // namespace ash::cli
