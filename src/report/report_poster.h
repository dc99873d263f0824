#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/clock.h"
#include "domain/snowflake.h"
#include "domain/weekly_summary.h"
#include "report/discord_client.h"
#include "report/report_render.h"
#include "storage/redis_connection.h"

namespace ash {

// Waits for the given time. Returns false when the wait was cut short
// because the program is stopping; the poster then gives up retrying.
using SleepFunction = std::function<bool(std::chrono::milliseconds)>;

// Sleeps on the real clock and always returns true.
bool SleepForReal(std::chrono::milliseconds duration);

// Bounds on retrying one post. 429 waits its retry_after; 5xx and network
// errors wait first_backoff, doubling up to max_backoff. Every try counts
// against max_attempts.
struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  // A 429 asking for a longer wait than this ends the attempt instead.
  std::chrono::milliseconds max_rate_limit_wait{std::chrono::minutes(10)};
};

struct PostRequest {
  WeekWindow window;
  DiscordTarget target;
  // Posts even when the marker is "posted" or "posting", and records the
  // new message.
  bool force = false;
  ReportStyle style;
  int alert_retention_days = 90;
  // Names this process in the marker; empty: "<hostname>:<pid>:<random>".
  std::string owner;
};

enum class PostOutcomeKind {
  kPosted,         // this call created the message
  kAlreadyPosted,  // the marker records the week as posted; nothing sent
  kInProgress,     // another process claimed the week (or crashed while posting); nothing sent
  kFailed,         // nothing created; the marker is "failed" when this call had claimed it
};

// "posted", "already_posted", "in_progress", "failed".
std::string_view PostOutcomeKindName(PostOutcomeKind kind);

struct PostOutcome {
  PostOutcomeKind kind = PostOutcomeKind::kFailed;
  Date week_end;
  std::optional<Snowflake> message_id;  // kPosted, kAlreadyPosted
  std::optional<Snowflake> channel_id;  // kPosted, kAlreadyPosted
  std::optional<EpochMs> at;            // posted_at, or claimed_at for kInProgress
  std::string owner;                    // kInProgress: who claimed the week
  std::string error;                    // kFailed: what failed and what to do
  bool permanent = false;               // kFailed: a retry cannot help (401, 403, 404, ...)
  int attempts = 0;                     // requests sent to Discord by this call

  // One line for the log or the command line, e.g. "week ending 2026-01-04
  // already posted at ... as message 123".
  std::string Describe() const;
  nlohmann::json ToJson() const;
};

// Returns the error for posting the week of `window` at `now` before the
// week ends, because its figures are partial and its marker would stop the
// real report. Returns nullopt once the week is over.
std::optional<std::string> WeekNotOverError(const WeekWindow& window, EpochMs now);

// Posts the weekly report of request.window exactly once, with the marker
// ash:reports:weekly:{end_date} (docs/reporting.md): claims it with SET NX
// (or, for a "failed" marker or with force, a compare-and-set), builds the
// report, posts it with retries under `policy`, then records "posted" with
// the message id, or "failed" so a later call may try again. A "posting"
// marker is never taken over without force, because Discord may have
// received that post. Times come from `clock`; waits go through `sleep`.
// Throws RedisIoError when Redis is unreachable; if that happens after
// Discord created the message, the marker stays "posting" and the error
// log names the message id.
PostOutcome PostWeeklyReport(RedisConnection& connection, const DiscordClient& client, const PostRequest& request,
                             const Clock& clock, const SleepFunction& sleep, const RetryPolicy& policy = {});

// The nonce sent with a week's post ("ash-weekly-2026-01-04", at most 25
// characters), so Discord drops a repeat of the same post.
std::string WeeklyReportNonce(Date week_end);

// Marker time-to-live: 400 days, longer than any report retention.
inline constexpr EpochMs kWeeklyReportMarkerTtlMs = 400 * kMsPerDay;

}  // namespace ash
