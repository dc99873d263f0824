#include "retention/retention_scheduler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "retention/retention_keys.h"

namespace ash {
namespace {

namespace keys = retention_keys;

// Deletes or extends the lock only while this owner holds it.
constexpr std::string_view kReleaseLockScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";
constexpr std::string_view kRenewLockScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

}  // namespace

RetentionScheduler::RetentionScheduler(RedisConnector connect, RetentionSettings settings,
                                       RetentionSchedulerOptions options)
    : connect_(std::move(connect)), settings_(settings), options_(std::move(options)) {}

Date RetentionScheduler::SlotOf(EpochMs now) const {
  const Date today = Date::OfInstant(now);
  return now >= SlotStartMs(today) ? today : today.AddDays(-1);
}

EpochMs RetentionScheduler::SlotStartMs(Date slot) const {
  return slot.StartMs() + static_cast<EpochMs>(settings_.cleanup_hour) * kMsPerHour;
}

std::optional<Date> RetentionScheduler::ReadMarker() {
  RedisReply marker = connection_->Command({"GET", std::string(keys::kLastRunDate)});
  if (marker.type() != RedisReply::Type::kString) return std::nullopt;
  return ParseIsoDate(marker.str());
}

bool RetentionScheduler::AcquireLock() {
  RedisReply reply = connection_->Command(
      {"SET", std::string(keys::kLock), options_.owner, "NX", "PX", std::to_string(options_.lock_ttl_ms)});
  reply.ExpectOk("SET retention lock");
  return !reply.is_nil();
}

void RetentionScheduler::ReleaseLock() {
  connection_->Eval(kReleaseLockScript, {std::string(keys::kLock)}, {options_.owner}).ExpectOk("release lock");
}

void RetentionScheduler::RenewLock() {
  RedisReply renewed = connection_->Eval(kRenewLockScript, {std::string(keys::kLock)},
                                         {options_.owner, std::to_string(options_.lock_ttl_ms)});
  renewed.ExpectOk("renew lock");
  if (renewed.integer() == 0) {
    // Every step is idempotent, so running on is safe; the log shows why
    // two processes may have cleaned at once.
    spdlog::warn("retention lock of {} expired during the run; continuing", options_.owner);
  }
}

void RetentionScheduler::Fail(EpochMs now, const std::string& error) {
  std::lock_guard lock(mutex_);
  last_error_ = error;
  next_attempt_at_ = now + options_.retry_after_ms;
}

std::optional<RetentionReport> RetentionScheduler::Tick(EpochMs now) {
  if (!settings_.enabled) return std::nullopt;
  const Date slot = SlotOf(now);
  {
    std::lock_guard lock(mutex_);
    if (now < next_attempt_at_) return std::nullopt;
    if (completed_slot_ && *completed_slot_ >= slot) return std::nullopt;
  }

  try {
    if (!connection_) {
      auto connected = connect_();
      if (!connected.ok()) {
        spdlog::error("retention: {}; retrying in {} s", connected.error(), options_.retry_after_ms / 1000);
        Fail(now, connected.error());
        return std::nullopt;
      }
      connection_ = std::move(connected).value();
    }
    return RunLocked(now, slot);
  } catch (const RedisIoError& error) {
    spdlog::error("retention schedule: {}; retrying in {} s", error.what(), options_.retry_after_ms / 1000);
    connection_.reset();
    Fail(now, error.what());
    return std::nullopt;
  }
}

std::optional<RetentionReport> RetentionScheduler::RunLocked(EpochMs now, Date slot) {
  auto done_by_marker = [&]() {
    auto marker = ReadMarker();
    if (!marker || *marker < slot) return false;
    std::lock_guard lock(mutex_);
    completed_slot_ = marker;
    return true;
  };
  if (done_by_marker()) return std::nullopt;

  if (!AcquireLock()) {
    std::lock_guard lock(mutex_);
    next_attempt_at_ = now + options_.lock_busy_retry_ms;
    return std::nullopt;
  }
  // Another process may have finished the slot between the read and the lock.
  if (done_by_marker()) {
    ReleaseLock();
    return std::nullopt;
  }

  spdlog::info("retention run for {} started by {}", FormatIsoDate(slot), options_.owner);
  RetentionRunOptions run_options;
  run_options.after_batch = [this](std::string_view category) {
    RenewLock();
    if (options_.after_batch) options_.after_batch(category);
  };
  RetentionReport report = RunRetention(*connection_, settings_, now, run_options);

  if (report.ok()) {
    connection_->Command({"SET", std::string(keys::kLastRunDate), FormatIsoDate(slot)}).ExpectOk("SET marker");
    ReleaseLock();
    std::lock_guard lock(mutex_);
    completed_slot_ = slot;
    last_error_.reset();
    last_report_ = report;
    return report;
  }

  // The connection is unusable after a RedisIoError. Keep the failed
  // report where /health and storage stats read it, if Redis is back; the
  // lock expires by itself otherwise.
  connection_.reset();
  if (auto reconnected = connect_(); reconnected.ok()) {
    try {
      SaveRetentionReport(**reconnected, report);
      connection_ = std::move(reconnected).value();
      ReleaseLock();
    } catch (const RedisIoError&) {
      connection_.reset();
    }
  }
  Fail(now, *report.error);
  std::lock_guard lock(mutex_);
  last_report_ = report;
  return report;
}

RetentionSchedulerState RetentionScheduler::State(EpochMs now) const {
  RetentionSchedulerState state;
  state.enabled = settings_.enabled;
  std::lock_guard lock(mutex_);
  state.last_run_date = completed_slot_;
  state.last_report = last_report_;
  state.last_error = last_error_;
  if (!settings_.enabled) return state;

  const Date slot = SlotOf(now);
  if (completed_slot_ && *completed_slot_ >= slot) {
    state.next_run_at = SlotStartMs(slot.AddDays(1));
  } else {
    state.next_run_at = std::max(now, next_attempt_at_);
  }
  return state;
}

nlohmann::json RetentionScheduler::StateToJson(EpochMs now) const {
  RetentionSchedulerState state = State(now);
  return {
      {"enabled", state.enabled},
      {"next_run_at", state.next_run_at ? nlohmann::json(FormatRfc3339(*state.next_run_at)) : nlohmann::json()},
      {"last_run_date", state.last_run_date ? nlohmann::json(FormatIsoDate(*state.last_run_date)) : nlohmann::json()},
      {"last_report", state.last_report ? RetentionToJson(*state.last_report) : nlohmann::json()},
      {"last_error", state.last_error ? nlohmann::json(*state.last_error) : nlohmann::json()},
  };
}

}  // namespace ash
