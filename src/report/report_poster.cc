#include "report/report_poster.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/civil_time.h"
#include "report/weekly_report_builder.h"
#include "storage/keys.h"

namespace ash {
namespace {

// Replaces the marker only if it still contains the value the caller read, so
// two processes cannot both take over a "failed" marker.
// KEYS[1] marker; ARGV[1] expected value; ARGV[2] new value; ARGV[3] TTL ms.
constexpr std::string_view kCompareAndSetScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
)lua";

const std::string kStatePosting = "posting";
const std::string kStatePosted = "posted";
const std::string kStateFailed = "failed";

// A marker as read from Redis. raw is the exact stored text, for the
// compare-and-set.
struct Marker {
  std::string raw;
  nlohmann::json json;  // discarded (is_discarded()) when raw is not JSON
  std::string state;    // empty when unreadable
};

std::string DefaultOwner() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host[0] != '\0' ? host : "unknown-host", static_cast<long>(getpid()),
                     random());
}

std::optional<EpochMs> TimeField(const nlohmann::json& json, const char* name) {
  if (!json.is_object() || !json.contains(name)) return std::nullopt;
  const auto& value = json.at(name);
  if (value.is_string()) return ParseRfc3339(value.get<std::string>());
  if (value.is_number_integer()) return value.get<EpochMs>();
  return std::nullopt;
}

std::optional<Snowflake> SnowflakeField(const nlohmann::json& json, const char* name) {
  if (!json.is_object() || !json.contains(name) || !json.at(name).is_string()) return std::nullopt;
  return ParseSnowflake(json.at(name).get<std::string>());
}

std::optional<Marker> ReadMarker(RedisConnection& connection, const std::string& key) {
  const RedisReply reply = connection.Command({"GET", key});
  reply.ExpectOk("GET weekly report marker");
  if (reply.is_nil()) return std::nullopt;

  Marker marker;
  marker.raw = reply.str();
  marker.json = nlohmann::json::parse(marker.raw, nullptr, /*allow_exceptions=*/false);
  if (marker.json.is_object() && marker.json.contains("state") && marker.json["state"].is_string()) {
    marker.state = marker.json["state"].get<std::string>();
  }
  return marker;
}

PostOutcome MakeOutcome(PostOutcomeKind kind, Date week_end) {
  PostOutcome outcome;
  outcome.kind = kind;
  outcome.week_end = week_end;
  return outcome;
}

// Returns the outcome that an existing marker settles, or nullopt when the
// request may claim the week (no marker, a "failed" one, or force).
std::optional<PostOutcome> OutcomeOfMarker(const std::optional<Marker>& marker, Date week_end, bool force) {
  if (!marker || force || marker->state == kStateFailed) return std::nullopt;

  if (marker->state == kStatePosted) {
    PostOutcome outcome = MakeOutcome(PostOutcomeKind::kAlreadyPosted, week_end);
    outcome.message_id = SnowflakeField(marker->json, "message_id");
    outcome.channel_id = SnowflakeField(marker->json, "channel_id");
    outcome.at = TimeField(marker->json, "posted_at");
    return outcome;
  }
  if (marker->state == kStatePosting) {
    PostOutcome outcome = MakeOutcome(PostOutcomeKind::kInProgress, week_end);
    outcome.owner = marker->json.value("owner", "");
    outcome.at = TimeField(marker->json, "claimed_at");
    return outcome;
  }
  PostOutcome outcome = MakeOutcome(PostOutcomeKind::kFailed, week_end);
  outcome.permanent = true;
  outcome.error = fmt::format("the marker {} is unreadable (state \"{}\"): inspect it, then post with --force",
                              keys::WeeklyReport(week_end), marker->state);
  return outcome;
}

// Writes `value` if the marker still contains `expected` (nullopt: if it does
// not exist). Returns true when written.
bool SwapMarker(RedisConnection& connection, const std::string& key, const std::optional<Marker>& expected,
                const std::string& value) {
  const std::string ttl = std::to_string(kWeeklyReportMarkerTtlMs);
  if (!expected) {
    const RedisReply reply = connection.Command({"SET", key, value, "NX", "PX", ttl});
    reply.ExpectOk("SET NX weekly report marker");
    return !reply.is_nil();
  }
  const RedisReply reply = connection.Eval(kCompareAndSetScript, {key}, {expected->raw, value, ttl});
  reply.ExpectOk("compare-and-set weekly report marker");
  return reply.integer() == 1;
}

nlohmann::json PostingMarker(const std::string& owner, const PostRequest& request, EpochMs now) {
  nlohmann::json marker = {
      {"state", kStatePosting},
      {"owner", owner},
      {"claimed_at", FormatRfc3339(now)},
      {"target", request.target.Describe()},
  };
  if (request.force) marker["forced"] = true;
  return marker;
}

std::chrono::milliseconds RetryAfterMs(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
}

// The result of the request loop: the message, or the last failure.
struct SendResult {
  PostResult result;
  int attempts = 0;
  bool interrupted = false;
};

SendResult SendWithRetries(const DiscordClient& client, const PostRequest& request, const nlohmann::json& message,
                           const SleepFunction& sleep, const RetryPolicy& policy) {
  const std::string week = FormatIsoDate(request.window.end);
  const std::string target = request.target.Describe();
  const std::string nonce = WeeklyReportNonce(request.window.end);
  const int max_attempts = std::max(1, policy.max_attempts);
  std::chrono::milliseconds backoff = policy.first_backoff;

  for (int attempt = 1;; ++attempt) {
    PostResult result = client.PostMessage(request.target, message, nonce);
    if (result.ok()) return {std::move(result), attempt, false};

    const PostFailure& failure = result.error();
    if (!failure.retryable() || attempt >= max_attempts) {
      spdlog::warn("weekly report week_end={} {}: attempt {}/{} failed ({}): {}", week, target, attempt,
                   max_attempts, PostFailureKindName(failure.kind), failure.description);
      return {std::move(result), attempt, false};
    }

    std::chrono::milliseconds wait = backoff;
    if (failure.kind == PostFailureKind::kRateLimited) {
      wait = RetryAfterMs(failure.retry_after_seconds);
      if (wait > policy.max_rate_limit_wait) {
        spdlog::warn("weekly report week_end={} {}: attempt {}/{} rate limited for {} ms, longer than the "
                     "{} ms this poster waits; giving up",
                     week, target, attempt, max_attempts, wait.count(), policy.max_rate_limit_wait.count());
        return {std::move(result), attempt, false};
      }
    } else {
      backoff = std::min(backoff * 2, policy.max_backoff);
    }
    spdlog::warn("weekly report week_end={} {}: attempt {}/{} failed ({}): {}; retrying in {} ms", week, target,
                 attempt, max_attempts, PostFailureKindName(failure.kind), failure.description, wait.count());
    if (!sleep(wait)) return {std::move(result), attempt, true};
  }
}

// Replaces our own "posting" marker with its final state. A false return
// means someone forced a new post meanwhile; their marker is kept.
bool FinishMarker(RedisConnection& connection, const std::string& key, const std::string& posting_value,
                  const nlohmann::json& final_marker) {
  Marker ours;
  ours.raw = posting_value;
  const bool written = SwapMarker(connection, key, ours, final_marker.dump());
  if (!written) {
    spdlog::warn("weekly report marker {} changed while this process was posting (another copy posted with "
                 "--force); keeping the other copy's marker",
                 key);
  }
  return written;
}

}  // namespace

bool SleepForReal(std::chrono::milliseconds duration) {
  std::this_thread::sleep_for(duration);
  return true;
}

std::string WeeklyReportNonce(Date week_end) { return "ash-weekly-" + FormatIsoDate(week_end); }

std::string_view PostOutcomeKindName(PostOutcomeKind kind) {
  switch (kind) {
    case PostOutcomeKind::kPosted: return "posted";
    case PostOutcomeKind::kAlreadyPosted: return "already_posted";
    case PostOutcomeKind::kInProgress: return "in_progress";
    case PostOutcomeKind::kFailed: return "failed";
  }
  return "failed";
}

std::string PostOutcome::Describe() const {
  const std::string week = FormatIsoDate(week_end);
  const std::string message = message_id ? FormatSnowflake(*message_id) : "(unknown id)";
  const std::string channel = channel_id ? " in channel " + FormatSnowflake(*channel_id) : "";
  const std::string time = at ? FormatRfc3339(*at) : "an unknown time";
  switch (kind) {
    case PostOutcomeKind::kPosted:
      return fmt::format("week ending {} posted as message {}{} after {} attempt(s)", week, message, channel,
                         attempts);
    case PostOutcomeKind::kAlreadyPosted:
      return fmt::format("week ending {} was already posted at {} as message {}{}; use --force to post it again",
                         week, time, message, channel);
    case PostOutcomeKind::kInProgress:
      return fmt::format("week ending {} was claimed for posting at {} by {}; if that process stopped while "
                         "posting, check the channel and use --force to post it again",
                         week, time, owner.empty() ? "another process" : owner);
    case PostOutcomeKind::kFailed:
      return fmt::format("week ending {} was not posted ({}): {}", week, permanent ? "permanent" : "retryable",
                         error);
  }
  return week;
}

nlohmann::json PostOutcome::ToJson() const {
  nlohmann::json json = {{"outcome", PostOutcomeKindName(kind)}, {"week_end", FormatIsoDate(week_end)}};
  json["message_id"] = message_id ? nlohmann::json(FormatSnowflake(*message_id)) : nlohmann::json();
  json["channel_id"] = channel_id ? nlohmann::json(FormatSnowflake(*channel_id)) : nlohmann::json();
  json["at"] = at ? nlohmann::json(FormatRfc3339(*at)) : nlohmann::json();
  if (kind == PostOutcomeKind::kInProgress) json["owner"] = owner;
  if (kind == PostOutcomeKind::kFailed) {
    json["error"] = error;
    json["permanent"] = permanent;
  }
  json["attempts"] = attempts;
  return json;
}

std::optional<std::string> WeekNotOverError(const WeekWindow& window, EpochMs now) {
  if (now >= window.end.EndMs()) return std::nullopt;
  const std::string week = FormatIsoDate(window.end);
  return fmt::format("the week ending {} is not over until {}; post it after that, or preview it with "
                     "`ash-metrics report --end {}`",
                     week, FormatRfc3339(window.end.EndMs()), week);
}

PostOutcome PostWeeklyReport(RedisConnection& connection, const DiscordClient& client, const PostRequest& request,
                             const Clock& clock, const SleepFunction& sleep, const RetryPolicy& policy) {
  const Date week_end = request.window.end;
  if (auto error = WeekNotOverError(request.window, clock.NowMs())) {
    PostOutcome outcome = MakeOutcome(PostOutcomeKind::kFailed, week_end);
    outcome.error = *error;
    outcome.permanent = true;
    return outcome;
  }
  const std::string week = FormatIsoDate(week_end);
  const std::string key = keys::WeeklyReport(week_end);
  const std::string target = request.target.Describe();
  const std::string owner = request.owner.empty() ? DefaultOwner() : request.owner;

  // 1. Stop early when the marker already settles the week.
  const std::optional<Marker> observed = ReadMarker(connection, key);
  if (auto settled = OutcomeOfMarker(observed, week_end, request.force)) {
    spdlog::debug("weekly report week_end={} {}: {}", week, target, settled->Describe());
    return *settled;
  }

  // 2. Build the message before claiming, so a failure here leaves no
  // "posting" marker behind.
  const WeeklyReportData report =
      BuildWeeklyReport(connection, request.window, clock.NowMs(), request.alert_retention_days);
  const nlohmann::json message = BuildDiscordMessage(report, request.style, clock.NowMs());

  // 3. Claim the week: SET NX when there was no marker, else compare-and-set
  // against the marker read in step 1.
  const EpochMs claimed_at = clock.NowMs();
  const std::string posting_value = PostingMarker(owner, request, claimed_at).dump();
  if (!SwapMarker(connection, key, observed, posting_value)) {
    const std::optional<Marker> current = ReadMarker(connection, key);
    PostOutcome outcome = OutcomeOfMarker(current, week_end, /*force=*/false).value_or([&] {
      PostOutcome changed = MakeOutcome(PostOutcomeKind::kFailed, week_end);
      changed.error = fmt::format("the marker {} changed while this process was claiming it; try again", key);
      return changed;
    }());
    spdlog::debug("weekly report week_end={} {}: claimed by another process first: {}", week, target,
                 outcome.Describe());
    return outcome;
  }
  spdlog::info("weekly report week_end={} {}: claimed marker {} as {}{}", week, target, key, owner,
               request.force ? " (forced)" : "");

  // 4. Post, then record the final state.
  SendResult sent = SendWithRetries(client, request, message, sleep, policy);
  if (sent.result.ok()) {
    const PostedMessage& posted = sent.result.value();
    PostOutcome outcome = MakeOutcome(PostOutcomeKind::kPosted, week_end);
    outcome.message_id = posted.message_id;
    outcome.channel_id = posted.channel_id;
    outcome.at = clock.NowMs();
    outcome.attempts = sent.attempts;
    spdlog::info("weekly report week_end={} {}: posted message_id={} channel_id={} attempts={}", week, target,
                 outcome.message_id ? FormatSnowflake(*outcome.message_id) : "unknown",
                 outcome.channel_id ? FormatSnowflake(*outcome.channel_id) : "unknown", sent.attempts);

    nlohmann::json done = {
        {"state", kStatePosted},
        {"owner", owner},
        {"claimed_at", FormatRfc3339(claimed_at)},
        {"posted_at", FormatRfc3339(*outcome.at)},
        {"message_id", outcome.message_id ? nlohmann::json(FormatSnowflake(*outcome.message_id)) : nlohmann::json()},
        {"channel_id", outcome.channel_id ? nlohmann::json(FormatSnowflake(*outcome.channel_id)) : nlohmann::json()},
        {"target", target},
        {"attempts", sent.attempts},
    };
    if (request.force) done["forced"] = true;
    try {
      FinishMarker(connection, key, posting_value, done);
    } catch (const RedisIoError& error) {
      spdlog::error("weekly report week_end={} {}: message_id={} was posted but marker {} could not be "
                    "completed ({}); it stays \"posting\", so no copy posts the week again without --force",
                    week, target, outcome.message_id ? FormatSnowflake(*outcome.message_id) : "unknown", key,
                    error.what());
      throw;
    }
    return outcome;
  }

  const PostFailure& failure = sent.result.error();
  PostOutcome outcome = MakeOutcome(PostOutcomeKind::kFailed, week_end);
  outcome.permanent = !failure.retryable();
  outcome.attempts = sent.attempts;
  outcome.error = sent.interrupted ? "stopped while waiting to retry; last error: " + failure.description
                                   : failure.description;
  nlohmann::json failed = {
      {"state", kStateFailed},
      {"owner", owner},
      {"claimed_at", FormatRfc3339(claimed_at)},
      {"failed_at", FormatRfc3339(clock.NowMs())},
      {"error", outcome.error},
      {"kind", PostFailureKindName(failure.kind)},
      {"http_status", failure.http_status},
      {"permanent", outcome.permanent},
      {"target", target},
      {"attempts", sent.attempts},
  };
  if (failure.discord_code) failed["discord_code"] = *failure.discord_code;
  FinishMarker(connection, key, posting_value, failed);
  spdlog::error("weekly report week_end={} {}: not posted after {} attempt(s): {}", week, target, sent.attempts,
                outcome.error);
  return outcome;
}

}  // namespace ash
