#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "domain/civil_time.h"
#include "domain/clock.h"
#include "report/discord_client.h"
#include "report/report_poster.h"
#include "storage/redis_connection.h"
#include "util/expected.h"

namespace ash {

struct ReportSchedulerSettings {
  WeeklyReportSettings report;  // day, hour, catch-up window, target, community name
  int alert_retention_days = 90;
  RetryPolicy retry;
  // How long to wait before looking again at a week that another copy has
  // claimed, and before trying again after a failure that may pass.
  EpochMs recheck_interval_ms = kMsPerMinute;
  EpochMs retry_interval_ms = 15 * kMsPerMinute;
};

// The weekly report part of /health.
struct ReportSchedulerState {
  bool enabled = false;
  std::string disabled_reason;           // when !enabled
  std::optional<EpochMs> next_scheduled_at;
  std::optional<Date> last_week_end;     // the last week this process saw posted
  std::optional<EpochMs> last_posted_at;
  std::optional<Snowflake> last_message_id;
  std::string last_error;
  std::optional<EpochMs> last_error_at;
  std::uint64_t posted_count = 0;  // messages this process created
  std::uint64_t failed_count = 0;  // posts this process gave up on

  nlohmann::json ToJson() const;
};

// Posts the weekly report at the configured day and hour (UTC), or on the
// first Tick inside the catch-up window after it. The marker in Redis
// (see PostWeeklyReport) makes it post once across restarts and copies.
// It starts no thread, because the service calls Tick from its loop. Call
// Tick from one thread at a time. State may be read from any thread.
class WeeklyReportScheduler {
 public:
  // Logs once whether the scheduler runs, and if not, why: reports
  // disabled, no channel or webhook, no bot token for a channel, or an
  // invalid day or hour.
  WeeklyReportScheduler(ReportSchedulerSettings settings, RedisConnector connect, const DiscordClient& client,
                        const Clock& clock, SleepFunction sleep = SleepForReal);

  // Posts the week due at `now`, if any: the week ending the day before the
  // most recent scheduled moment, while now < moment + catch_up_hours and
  // the marker does not say it was posted. Does nothing otherwise, with at
  // most one Redis GET per week once the week is settled. May block for
  // the retries of one post (bounded by the retry policy). Never throws:
  // Redis being down is recorded in State, and the next try after
  // recheck_interval_ms opens a new connection.
  void Tick(EpochMs now);

  ReportSchedulerState State() const;
  bool enabled() const { return disabled_reason_.empty(); }

  // The latest instant at or before `now` that falls on `day` (0 = Monday)
  // at `hour`:00 UTC.
  static EpochMs LastScheduledMoment(EpochMs now, int day, int hour);

 private:
  std::string FindDisabledReason() const;
  DiscordTarget Target() const;
  void WarnIfMissed(RedisConnection& connection, Date week_end, EpochMs window_end);
  void RecordOutcome(const PostOutcome& outcome, EpochMs now, EpochMs window_end);
  void RecordError(const std::string& error, EpochMs now);
  RedisConnection* Connection(EpochMs now);

  ReportSchedulerSettings settings_;
  RedisConnector connect_;
  std::unique_ptr<RedisConnection> connection_;  // null until needed, and after a lost connection
  const DiscordClient& client_;
  const Clock& clock_;
  SleepFunction sleep_;
  std::string disabled_reason_;
  EpochMs catch_up_ms_ = 0;

  // Touched by Tick only.
  std::optional<Date> settled_week_;      // posted, or given up on until the window closes
  std::optional<Date> missed_checked_week_;
  std::optional<Date> in_progress_logged_week_;
  EpochMs next_attempt_at_ = 0;

  mutable std::mutex state_mutex_;
  ReportSchedulerState state_;  // guarded by state_mutex_
};

}  // namespace ash
