#include "service/report_scheduler.h"

#include <array>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/weekly_summary.h"
#include "storage/keys.h"

namespace ash {
namespace {

std::string OptionalTime(const std::optional<EpochMs>& ms) { return ms ? FormatRfc3339(*ms) : "none"; }

}  // namespace

nlohmann::json ReportSchedulerState::ToJson() const {
  auto time_or_null = [](const std::optional<EpochMs>& ms) {
    return ms ? nlohmann::json(FormatRfc3339(*ms)) : nlohmann::json();
  };
  nlohmann::json json = {{"enabled", enabled}};
  json["disabled_reason"] = enabled ? nlohmann::json() : nlohmann::json(disabled_reason);
  json["next_scheduled_at"] = time_or_null(next_scheduled_at);
  if (last_week_end) {
    json["last_post"] = {
        {"week_end", FormatIsoDate(*last_week_end)},
        {"posted_at", time_or_null(last_posted_at)},
        {"message_id", last_message_id ? nlohmann::json(FormatSnowflake(*last_message_id)) : nlohmann::json()},
    };
  } else {
    json["last_post"] = nullptr;
  }
  json["last_error"] = last_error.empty() ? nlohmann::json() : nlohmann::json(last_error);
  json["last_error_at"] = time_or_null(last_error_at);
  json["posted_count"] = posted_count;
  json["failed_count"] = failed_count;
  return json;
}

EpochMs WeeklyReportScheduler::LastScheduledMoment(EpochMs now, int day, int hour) {
  const Date today = Date::OfInstant(now);
  const int days_back = ((today.WeekdayIndex() - day) % 7 + 7) % 7;
  EpochMs moment = today.AddDays(-days_back).StartMs() + hour * kMsPerHour;
  if (moment > now) moment -= 7 * kMsPerDay;
  return moment;
}

WeeklyReportScheduler::WeeklyReportScheduler(ReportSchedulerSettings settings, RedisConnector connect,
                                             const DiscordClient& client, const Clock& clock, SleepFunction sleep)
    : settings_(std::move(settings)),
      connect_(std::move(connect)),
      client_(client),
      clock_(clock),
      sleep_(std::move(sleep)) {
  const WeeklyReportSettings& report = settings_.report;
  // NOTE: a catch-up window under one hour is widened to one hour, so the
  // scheduled hour itself is always covered.
  catch_up_ms_ = std::max(1, report.catch_up_hours) * kMsPerHour;
  disabled_reason_ = FindDisabledReason();

  const EpochMs now = clock_.NowMs();
  {
    std::lock_guard lock(state_mutex_);
    state_.enabled = enabled();
    state_.disabled_reason = disabled_reason_;
    if (enabled()) state_.next_scheduled_at = LastScheduledMoment(now, report.day, report.hour) + 7 * kMsPerDay;
  }

  if (!enabled()) {
    spdlog::warn("weekly report scheduler not started: {}", disabled_reason_);
    return;
  }
  spdlog::info("weekly report scheduler started: {} {:02}:00 UTC, catch-up window {} h, target {}, next at {}",
               DayOfWeekName(report.day), report.hour, catch_up_ms_ / kMsPerHour,
               Target().Describe(), OptionalTime(State().next_scheduled_at));
}

std::string WeeklyReportScheduler::FindDisabledReason() const {
  const WeeklyReportSettings& report = settings_.report;
  if (!report.enabled) return "weekly reports are disabled (BOT_WEEKLY_REPORT_ENABLED=false)";
  if (report.day < 0 || report.day > 6) {
    return fmt::format("invalid report day {}: expected 0 (Monday) to 6 (Sunday)", report.day);
  }
  if (report.hour < 0 || report.hour > 23) {
    return fmt::format("invalid report hour {}: expected 0 to 23 (UTC)", report.hour);
  }
  const bool has_webhook = report.webhook_url.has_value() && !report.webhook_url->empty();
  if (has_webhook) return "";
  if (!report.channel_id) {
    return "no report channel configured: set BOT_WEEKLY_REPORT_CHANNEL_ID and the discord_bot_token secret, "
           "or a webhook URL";
  }
  if (!client_.has_bot_token()) {
    return fmt::format("no bot token to post to channel {}: set the discord_bot_token secret, or a webhook URL",
                       *report.channel_id);
  }
  return "";
}

DiscordTarget WeeklyReportScheduler::Target() const {
  const WeeklyReportSettings& report = settings_.report;
  if (report.webhook_url && !report.webhook_url->empty()) return DiscordTarget::Webhook(*report.webhook_url);
  return DiscordTarget::Channel(report.channel_id.value_or(0));
}

void WeeklyReportScheduler::Tick(EpochMs now) {
  if (!enabled()) return;

  const WeeklyReportSettings& report = settings_.report;
  const EpochMs moment = LastScheduledMoment(now, report.day, report.hour);
  const EpochMs window_end = moment + catch_up_ms_;
  const WeekWindow week = DefaultReportWeek(moment);
  {
    std::lock_guard lock(state_mutex_);
    state_.next_scheduled_at = moment + 7 * kMsPerDay;
  }

  if (settled_week_ == week.end) return;
  if (now >= window_end && missed_checked_week_ == week.end) return;
  if (now < next_attempt_at_) return;

  RedisConnection* connection = Connection(now);
  if (connection == nullptr) return;
  try {
    if (now >= window_end) {
      WarnIfMissed(*connection, week.end, window_end);
      return;
    }

    PostRequest request;
    request.window = week;
    request.target = Target();
    request.style.community_name = report.community_name;
    request.alert_retention_days = settings_.alert_retention_days;
    RecordOutcome(PostWeeklyReport(*connection, client_, request, clock_, sleep_, settings_.retry), now, window_end);
  } catch (const RedisIoError& error) {
    connection_.reset();
    next_attempt_at_ = now + settings_.recheck_interval_ms;
    const std::string message = fmt::format("Redis unavailable while handling the week ending {}: {}",
                                            FormatIsoDate(week.end), error.what());
    spdlog::error("weekly report week_end={}: {}; trying again at {}", FormatIsoDate(week.end), message,
                  FormatRfc3339(next_attempt_at_));
    RecordError(message, now);
  } catch (const std::exception& error) {
    // Building the report (unreadable data, for example) fails before the
    // claim, so it leaves no marker and a later try starts clean.
    next_attempt_at_ = now + settings_.retry_interval_ms;
    const std::string message =
        fmt::format("posting the report for the week ending {} failed: {}", FormatIsoDate(week.end), error.what());
    spdlog::error("weekly report week_end={}: {}; trying again at {}", FormatIsoDate(week.end), message,
                  FormatRfc3339(next_attempt_at_));
    RecordError(message, now);
  }
}

RedisConnection* WeeklyReportScheduler::Connection(EpochMs now) {
  if (connection_) return connection_.get();
  auto connected = connect_();
  if (!connected.ok()) {
    next_attempt_at_ = now + settings_.recheck_interval_ms;
    spdlog::error("weekly report scheduler: cannot connect to Redis: {}; trying again at {}", connected.error(),
                  FormatRfc3339(next_attempt_at_));
    RecordError("cannot connect to Redis: " + connected.error(), now);
    return nullptr;
  }
  connection_ = std::move(connected).value();
  return connection_.get();
}

void WeeklyReportScheduler::RecordOutcome(const PostOutcome& outcome, EpochMs now, EpochMs window_end) {
  const std::string week = FormatIsoDate(outcome.week_end);
  switch (outcome.kind) {
    case PostOutcomeKind::kPosted:
    case PostOutcomeKind::kAlreadyPosted: {
      settled_week_ = outcome.week_end;
      if (outcome.kind == PostOutcomeKind::kAlreadyPosted) {
        spdlog::info("weekly report week_end={}: {}", week, outcome.Describe());
      }
      std::lock_guard lock(state_mutex_);
      if (outcome.kind == PostOutcomeKind::kPosted) ++state_.posted_count;
      state_.last_week_end = outcome.week_end;
      state_.last_posted_at = outcome.at;
      state_.last_message_id = outcome.message_id;
      return;
    }
    case PostOutcomeKind::kInProgress:
      next_attempt_at_ = now + settings_.recheck_interval_ms;
      if (in_progress_logged_week_ != outcome.week_end) {
        in_progress_logged_week_ = outcome.week_end;
        spdlog::info("weekly report week_end={}: {}; checking again every {} s", week, outcome.Describe(),
                     settings_.recheck_interval_ms / kMsPerSecond);
      }
      return;
    case PostOutcomeKind::kFailed:
      RecordError(outcome.error, now);
      {
        std::lock_guard lock(state_mutex_);
        ++state_.failed_count;
      }
      if (outcome.permanent) {
        // Settings are read at start, so the same request would fail again.
        settled_week_ = outcome.week_end;
        spdlog::error("weekly report week_end={}: not retrying in this process until the next scheduled week; "
                      "fix the setting, then restart before {} or run `ash-metrics report --post`",
                      week, FormatRfc3339(window_end));
      } else {
        next_attempt_at_ = now + settings_.retry_interval_ms;
        spdlog::warn("weekly report week_end={}: trying again at {}", week, FormatRfc3339(next_attempt_at_));
      }
      return;
  }
}

void WeeklyReportScheduler::WarnIfMissed(RedisConnection& connection, Date week_end, EpochMs window_end) {
  const RedisReply reply = connection.Command({"GET", keys::WeeklyReport(week_end)});
  reply.ExpectOk("GET weekly report marker");
  const nlohmann::json marker =
      reply.is_nil() ? nlohmann::json() : nlohmann::json::parse(reply.str(), nullptr, /*allow_exceptions=*/false);
  missed_checked_week_ = week_end;
  if (marker.is_object() && marker.value("state", "") == "posted") {
    settled_week_ = week_end;
    return;
  }
  spdlog::warn("weekly report week_end={} was not posted and its catch-up window ended at {}; post it on "
               "demand with `ash-metrics report --post` for that week",
               FormatIsoDate(week_end), FormatRfc3339(window_end));
}

void WeeklyReportScheduler::RecordError(const std::string& error, EpochMs now) {
  std::lock_guard lock(state_mutex_);
  state_.last_error = error;
  state_.last_error_at = now;
}

ReportSchedulerState WeeklyReportScheduler::State() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

}  // namespace ash
