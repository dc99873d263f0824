#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/config.h"
#include "domain/clock.h"
#include "service/shutdown_signal.h"

namespace ash {

struct ServiceOptions {
  const Clock* clock = nullptr;           // nullptr: the system clock
  std::optional<std::string> redis_url;   // overrides the configured endpoint (--redis-url)
  ShutdownSignal* shutdown = nullptr;     // nullptr: a private one; tests raise theirs to stop
  bool handle_signals = true;             // SIGTERM and SIGINT raise the shutdown signal
  std::function<void(int port)> on_ready;  // called once the HTTP port is bound (port 0 binds a free one)
  std::string consumer_name;              // stream consumer; "": "ash-metrics-<hostname>"
  // Stream entries of another consumer unacknowledged this long are claimed.
  std::chrono::milliseconds claim_idle{60000};
  std::chrono::milliseconds tick_interval{1000};  // scheduler ticks
  int http_threads = 8;
};

// Runs `ash-metrics serve`: the HTTP API, the stream intake, the Redis
// reconnect loop with the spool replay, and the report and retention
// schedulers, until the shutdown signal. Then it stops intake, lets the
// requests in flight finish, stops the schedulers in the reverse of their
// start order and closes Redis. Returns the exit code: 0 after a shutdown,
// 1 when the HTTP port cannot be bound, 2 for an unusable setting (Redis
// URL, spool file). Redis being down is not an error: the service starts
// degraded and reconnects.
int RunService(const Config& config, const ServiceOptions& options);

}  // namespace ash
