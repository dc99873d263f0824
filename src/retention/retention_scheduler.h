#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/civil_time.h"
#include "domain/clock.h"
#include "retention/retention_report.h"
#include "retention/retention_run.h"
#include "retention/retention_settings.h"
#include "storage/redis_connection.h"
#include "util/expected.h"

namespace ash {

struct RetentionSchedulerOptions {
  std::string owner;  // the lock's value: unique per process, e.g. "host:pid"
  EpochMs lock_ttl_ms = 2 * kMsPerMinute;        // renewed after every batch
  EpochMs retry_after_ms = 5 * kMsPerMinute;     // after a failed run or Redis down
  EpochMs lock_busy_retry_ms = 1 * kMsPerMinute; // while another process holds the lock
  std::function<void(std::string_view category)> after_batch;  // for tests: called after the lock renewal
};

// The schedule's state, for /health.
struct RetentionSchedulerState {
  bool enabled = true;
  std::optional<EpochMs> next_run_at;
  std::optional<Date> last_run_date;          // last scheduled day a run completed, by any process
  std::optional<RetentionReport> last_report; // the last run of this process
  std::optional<std::string> last_error;
};

// Runs the retention cleanup once per UTC day at the cleanup hour, across
// restarts and several processes sharing one Redis. It owns no thread: the
// service calls Tick from its own loop.
//
// The slot of an instant is today when the cleanup hour has passed, else
// yesterday. A run is due when no run completed for the current slot, so a
// service that starts after a missed hour catches up at once. The run
// happens under the lock SET ash:retention:lock <owner> NX PX, and the
// marker ash:retention:last_run_date (the slot's date) is read again under
// the lock and written after a completed run, so one process runs per
// slot. A run that fails (Redis down or lost) is retried after
// retry_after_ms; the next run finishes what it left.
class RetentionScheduler {
 public:
  RetentionScheduler(RedisConnector connect, RetentionSettings settings, RetentionSchedulerOptions options);

  // Runs the cleanup when due and returns its report, or nullopt when
  // nothing ran. Sends no Redis command while the slot is known to be done
  // or a retry is waiting. A RedisIoError is caught and kept as last_error.
  std::optional<RetentionReport> Tick(EpochMs now);

  RetentionSchedulerState State(EpochMs now) const;
  nlohmann::json StateToJson(EpochMs now) const;

 private:
  Date SlotOf(EpochMs now) const;
  EpochMs SlotStartMs(Date slot) const;
  std::optional<Date> ReadMarker();
  bool AcquireLock();
  void ReleaseLock();
  void RenewLock();
  std::optional<RetentionReport> RunLocked(EpochMs now, Date slot);
  void Fail(EpochMs now, const std::string& error);

  RedisConnector connect_;
  RetentionSettings settings_;
  RetentionSchedulerOptions options_;
  std::unique_ptr<RedisConnection> connection_;

  mutable std::mutex mutex_;  // guards the fields below, read by State()
  std::optional<Date> completed_slot_;
  EpochMs next_attempt_at_ = 0;
  std::optional<RetentionReport> last_report_;
  std::optional<std::string> last_error_;
};

}  // namespace ash
