#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "domain/alert_record.h"
#include "domain/clock.h"

namespace ash {

// A Prometheus histogram: cumulative bucket counts, sum and count.
struct Histogram {
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value);

  std::vector<double> upper_bounds;     // ascending, without +Inf
  std::vector<std::uint64_t> counts;    // per bucket, not cumulative; last is +Inf
  double sum = 0;
  std::uint64_t count = 0;
};

// Alerts of the current week (the 7 UTC days ending today), for /metrics.
struct WeekAlertStats {
  std::int64_t alerts = 0;
  std::int64_t open_alerts = 0;  // not acknowledged
  Histogram time_to_acknowledge;  // seconds, acknowledged alerts only
};

// Counts the given alerts (the caller reads those of the current week): the
// open ones, and the time to acknowledge of the others.
WeekAlertStats ComputeWeekAlertStats(const std::vector<AlertRecord>& records);

// Figures measured outside ServiceMetrics at scrape time.
struct MetricsGauges {
  bool redis_up = false;
  std::size_t spool_events = 0;
  std::uint64_t scheduled_reports_posted = 0;
  std::uint64_t scheduled_reports_failed = 0;
  std::optional<WeekAlertStats> week;  // nullopt when Redis could not be read
};

// The service's counters and the request latency histogram, rendered in
// the Prometheus text exposition format (version 0.0.4). Thread-safe.
class ServiceMetrics {
 public:
  ServiceMetrics();

  // source: "http", "stream" or "spool". result: applied, duplicate,
  // already_recorded. reason: invalid, unknown_alert.
  void CountApplied(std::string_view source, std::string_view type, std::string_view result);
  void CountRejected(std::string_view source, std::string_view type, std::string_view reason);
  void CountSpooled(std::string_view type);
  void CountDeadLetter();
  void CountReport(bool posted);
  // route: the route pattern ("/v1/alerts/{alert_id}"), never the raw path.
  void ObserveRequest(std::string_view route, int status, double seconds);

  std::string Render(const MetricsGauges& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> applied_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> rejected_;
  std::map<std::string, std::uint64_t> spooled_;
  std::uint64_t dead_letters_ = 0;
  std::uint64_t reports_posted_ = 0;
  std::uint64_t reports_failed_ = 0;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace ash
