#include "service/service_metrics.h"

#include <algorithm>

#include <fmt/format.h>

namespace ash {

namespace {

const std::vector<double> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1,     2.5};
const std::vector<double> kAcknowledgeBuckets = {30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400};

std::string FormatBound(double bound) { return fmt::format("{}", bound); }

void RenderHistogram(std::string& out, std::string_view name, std::string_view labels, const Histogram& histogram) {
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.upper_bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, prefix, FormatBound(histogram.upper_bounds[i]),
                       cumulative);
  }
  cumulative += histogram.counts.back();
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, prefix, cumulative);
  const std::string braces = labels.empty() ? std::string() : "{" + std::string(labels) + "}";
  out += fmt::format("{}_sum{} {}\n", name, braces, histogram.sum);
  out += fmt::format("{}_count{} {}\n", name, braces, histogram.count);
}

void RenderHeader(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : upper_bounds(std::move(bounds)), counts(upper_bounds.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const auto bucket = std::lower_bound(upper_bounds.begin(), upper_bounds.end(), value);
  ++counts[static_cast<std::size_t>(bucket - upper_bounds.begin())];
  sum += value;
  ++count;
}

WeekAlertStats ComputeWeekAlertStats(const std::vector<AlertRecord>& records) {
  WeekAlertStats stats{0, 0, Histogram(kAcknowledgeBuckets)};
  for (const AlertRecord& record : records) {
    ++stats.alerts;
    if (!record.acknowledged_at.has_value()) {
      ++stats.open_alerts;
      continue;
    }
    const std::int64_t seconds = record.time_to_acknowledge_seconds.value_or(
        ElapsedSeconds(record.created_at, *record.acknowledged_at));
    stats.time_to_acknowledge.Observe(static_cast<double>(seconds));
  }
  return stats;
}

ServiceMetrics::ServiceMetrics() = default;

void ServiceMetrics::CountApplied(std::string_view source, std::string_view type, std::string_view result) {
  std::lock_guard lock(mutex_);
  ++applied_[{std::string(source), std::string(type), std::string(result)}];
}

void ServiceMetrics::CountRejected(std::string_view source, std::string_view type, std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++rejected_[{std::string(source), std::string(type), std::string(reason)}];
}

void ServiceMetrics::CountSpooled(std::string_view type) {
  std::lock_guard lock(mutex_);
  ++spooled_[std::string(type)];
}

void ServiceMetrics::CountDeadLetter() {
  std::lock_guard lock(mutex_);
  ++dead_letters_;
}

void ServiceMetrics::CountReport(bool posted) {
  std::lock_guard lock(mutex_);
  ++(posted ? reports_posted_ : reports_failed_);
}

void ServiceMetrics::ObserveRequest(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto found = latency_.find(std::string(route));
  if (found == latency_.end()) found = latency_.emplace(std::string(route), Histogram(kLatencyBuckets)).first;
  found->second.Observe(seconds);
}

std::string ServiceMetrics::Render(const MetricsGauges& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;

  RenderHeader(out, "ash_metrics_events_applied_total", "counter",
               "Events accepted by the store, by intake source, event type and result.");
  for (const auto& [labels, value] : applied_) {
    const auto& [source, type, result] = labels;
    out += fmt::format("ash_metrics_events_applied_total{{source=\"{}\",type=\"{}\",result=\"{}\"}} {}\n", source,
                       type, result, value);
  }

  RenderHeader(out, "ash_metrics_events_rejected_total", "counter",
               "Events rejected, by intake source, event type and reason.");
  for (const auto& [labels, value] : rejected_) {
    const auto& [source, type, reason] = labels;
    out += fmt::format("ash_metrics_events_rejected_total{{source=\"{}\",type=\"{}\",reason=\"{}\"}} {}\n", source,
                       type, reason, value);
  }

  RenderHeader(out, "ash_metrics_events_spooled_total", "counter",
               "Events written to the local spool because Redis was unavailable.");
  for (const auto& [type, value] : spooled_) {
    out += fmt::format("ash_metrics_events_spooled_total{{type=\"{}\"}} {}\n", type, value);
  }

  RenderHeader(out, "ash_metrics_stream_dead_letters_total", "counter",
               "Events moved to the dead-letter stream because they can never apply.");
  out += fmt::format("ash_metrics_stream_dead_letters_total {}\n", dead_letters_);

  RenderHeader(out, "ash_metrics_reports_posted_total", "counter", "Weekly reports posted to Discord.");
  out += fmt::format("ash_metrics_reports_posted_total {}\n", reports_posted_ + gauges.scheduled_reports_posted);
  RenderHeader(out, "ash_metrics_reports_failed_total", "counter", "Weekly report posts that failed.");
  out += fmt::format("ash_metrics_reports_failed_total {}\n", reports_failed_ + gauges.scheduled_reports_failed);

  RenderHeader(out, "ash_metrics_http_requests_total", "counter", "HTTP requests, by route and status code.");
  for (const auto& [labels, value] : requests_) {
    out += fmt::format("ash_metrics_http_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", labels.first,
                       labels.second, value);
  }
  RenderHeader(out, "ash_metrics_http_request_duration_seconds", "histogram",
               "HTTP request latency, from routing to the response, by route.");
  for (const auto& [route, histogram] : latency_) {
    RenderHistogram(out, "ash_metrics_http_request_duration_seconds", fmt::format("route=\"{}\"", route), histogram);
  }

  RenderHeader(out, "ash_metrics_redis_up", "gauge", "1 when Redis is reachable, else 0.");
  out += fmt::format("ash_metrics_redis_up {}\n", gauges.redis_up ? 1 : 0);
  RenderHeader(out, "ash_metrics_spool_events", "gauge", "Events in the local spool waiting for Redis.");
  out += fmt::format("ash_metrics_spool_events {}\n", gauges.spool_events);

  if (gauges.week.has_value()) {
    RenderHeader(out, "ash_metrics_week_alerts", "gauge", "Alerts created in the 7 UTC days ending today.");
    out += fmt::format("ash_metrics_week_alerts {}\n", gauges.week->alerts);
    RenderHeader(out, "ash_metrics_open_alerts", "gauge",
                 "Alerts created in the 7 UTC days ending today and not acknowledged.");
    out += fmt::format("ash_metrics_open_alerts {}\n", gauges.week->open_alerts);
    RenderHeader(out, "ash_metrics_time_to_acknowledge_seconds", "histogram",
                 "Time to acknowledge of the alerts created in the 7 UTC days ending today.");
    RenderHistogram(out, "ash_metrics_time_to_acknowledge_seconds", "", gauges.week->time_to_acknowledge);
  }
  return out;
}

}  // namespace ash
