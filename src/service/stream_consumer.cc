#include "service/stream_consumer.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "domain/event.h"
#include "service/dead_letter.h"
#include "service/event_intake.h"
#include "storage/keys.h"

namespace ash {

namespace {

// The millisecond part of a stream entry id "1700000000000-0".
std::optional<EpochMs> EntryTimeMs(const std::string& entry_id) {
  const std::size_t dash = entry_id.find('-');
  try {
    return std::stoll(entry_id.substr(0, dash));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<std::string> FieldValue(const RedisReply& fields, std::string_view name) {
  const auto& elements = fields.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    if (elements[i].str() == name) return elements[i + 1].str();
  }
  return std::nullopt;
}

}  // namespace

StreamConsumer::StreamConsumer(RedisPool& pool, StoreSettings store_settings, const Clock& clock,
                               ServiceMetrics& metrics, StreamConsumerOptions options)
    : pool_(pool), store_settings_(store_settings), clock_(clock), metrics_(metrics), options_(std::move(options)) {}

void StreamConsumer::EnsureGroup(RedisConnection& connection) {
  // Start id 0: a new group also reads what the bot queued before the
  // service first ran.
  const RedisReply reply = connection.Command(
      {"XGROUP", "CREATE", std::string(keys::kEventStream), std::string(keys::kStreamGroup), "0", "MKSTREAM"});
  if (reply.is_error() && reply.str().rfind("BUSYGROUP", 0) != 0) {
    throw RedisIoError("XGROUP CREATE " + std::string(keys::kEventStream) + " failed: " + reply.str());
  }
  if (!reply.is_error()) {
    spdlog::info("Created consumer group {} on stream {}", keys::kStreamGroup, keys::kEventStream);
  }
  group_ready_ = true;
}

std::size_t StreamConsumer::PollOnce(RedisConnection& connection) {
  if (!group_ready_) EnsureGroup(connection);

  const auto now = std::chrono::steady_clock::now();
  if (now >= next_claim_) {
    next_claim_ = now + options_.claim_interval;
    const std::size_t claimed = ClaimIdle(connection);
    if (claimed > 0) return claimed;
  }

  RedisCommand read = {"XREADGROUP", "GROUP", std::string(keys::kStreamGroup), options_.consumer_name, "COUNT",
                       std::to_string(options_.batch_size)};
  if (!read_own_pending_) {
    read.push_back("BLOCK");
    read.push_back(std::to_string(options_.block.count()));
  }
  read.push_back("STREAMS");
  read.push_back(std::string(keys::kEventStream));
  read.push_back(read_own_pending_ ? "0" : ">");

  const RedisReply reply = connection.Command(read);
  if (reply.is_error()) {
    if (reply.str().rfind("NOGROUP", 0) == 0) {
      // The stream or group was deleted (a flushed or replaced server).
      group_ready_ = false;
      return 0;
    }
    throw RedisIoError("XREADGROUP failed: " + reply.str());
  }
  if (reply.is_nil() || reply.elements().empty()) {
    read_own_pending_ = false;
    return 0;
  }

  const RedisReply& stream = reply.elements().front();
  const std::vector<RedisReply>& entries = stream.elements().at(1).elements();
  if (entries.empty()) {
    read_own_pending_ = false;
    return 0;
  }
  return HandleEntries(connection, entries);
}

std::size_t StreamConsumer::ClaimIdle(RedisConnection& connection) {
  std::size_t handled = 0;
  std::string cursor = "0-0";
  do {
    const RedisReply reply = connection.Command(
        {"XAUTOCLAIM", std::string(keys::kEventStream), std::string(keys::kStreamGroup), options_.consumer_name,
         std::to_string(options_.claim_idle.count()), cursor, "COUNT", std::to_string(options_.batch_size)});
    if (reply.is_error()) {
      if (reply.str().rfind("NOGROUP", 0) == 0) {
        group_ready_ = false;
        return handled;
      }
      throw RedisIoError("XAUTOCLAIM failed: " + reply.str());
    }
    cursor = reply.elements().at(0).str();
    const std::vector<RedisReply>& entries = reply.elements().at(1).elements();
    if (!entries.empty()) {
      spdlog::info("Claimed {} stream entries idle for more than {} ms in other consumers", entries.size(),
                   options_.claim_idle.count());
      handled += HandleEntries(connection, entries);
    }
  } while (cursor != "0-0" && !stop_.load());
  return handled;
}

std::size_t StreamConsumer::HandleEntries(RedisConnection& connection, const std::vector<RedisReply>& entries) {
  const EpochMs now = clock_.NowMs();
  std::vector<std::string> entry_ids;
  std::vector<Event> events;
  std::vector<std::string> event_texts;      // per event, for dead letters
  std::vector<std::string> event_entry_ids;  // per event
  RedisCommand ack = {"XACK", std::string(keys::kEventStream), std::string(keys::kStreamGroup)};
  RedisCommand del = {"XDEL", std::string(keys::kEventStream)};
  std::vector<RedisCommand> transaction = {{"MULTI"}};

  // Parse and validate; what can never apply becomes a dead letter.
  for (const RedisReply& entry : entries) {
    if (!entry.is_array() || entry.elements().size() < 2) continue;  // deleted while pending
    const std::string& entry_id = entry.elements()[0].str();
    entry_ids.push_back(entry_id);
    const std::optional<std::string> text = FieldValue(entry.elements()[1], "event");
    if (!text.has_value()) {
      spdlog::warn("Stream entry {} has no field \"event\"; moved to {}", entry_id, keys::kDeadLetterStream);
      transaction.push_back(DeadLetterCommand({"", "missing_event_field", "event",
                                               "the entry has no field \"event\" holding the event JSON",
                                               "stream:" + entry_id}));
      metrics_.CountRejected("stream", "unknown", "invalid");
      continue;
    }

    IntakeItem item = ParseIntakeItem(*text, 0);
    std::optional<EventError> error;
    if (item.event.ok()) {
      Event& event = item.event.value();
      if (event.event_id.empty()) event.event_id = "stream-" + entry_id;
      if (!event.at.has_value()) event.at = std::min(EntryTimeMs(entry_id).value_or(now), now);
      error = CheckEventTime(event, now);
    } else {
      error = item.event.error();
    }
    if (error.has_value()) {
      spdlog::warn("Stream entry {} is invalid ({}); moved to {}", entry_id, error->Message(),
                   keys::kDeadLetterStream);
      transaction.push_back(DeadLetterCommand({*text, "invalid", error->field, error->Message(), "stream:" + entry_id}));
      metrics_.CountRejected("stream", item.type, "invalid");
      continue;
    }
    events.push_back(std::move(item.event.value()));
    event_texts.push_back(*text);
    event_entry_ids.push_back(entry_id);
  }

  // Apply, then acknowledge: a crash in between redelivers the entries.
  EventStore store(connection, store_settings_);
  const std::vector<ApplyResult> results = store.ApplyBatch(events, now);
  for (std::size_t k = 0; k < results.size(); ++k) {
    const std::string type(EventTypeName(events[k].type));
    const ApplyResult& result = results[k];
    if (result.status == ApplyStatus::kUnknownAlert || result.status == ApplyStatus::kInvalid) {
      const std::string reason(ApplyStatusName(result.status));
      const std::string message = result.error.has_value() ? result.error->Message() : reason;
      spdlog::warn("Stream entry {} for alert {} cannot apply ({}); moved to {}", event_entry_ids[k],
                   events[k].alert_id, message, keys::kDeadLetterStream);
      transaction.push_back(DeadLetterCommand({event_texts[k], reason,
                                               result.error.has_value() ? result.error->field : "", message,
                                               "stream:" + event_entry_ids[k]}));
      metrics_.CountRejected("stream", type, reason);
      continue;
    }
    metrics_.CountApplied("stream", type, ApplyStatusName(result.status));
  }

  if (!entry_ids.empty()) {
    const std::size_t dead_letters = transaction.size() - 1;
    ack.insert(ack.end(), entry_ids.begin(), entry_ids.end());
    del.insert(del.end(), entry_ids.begin(), entry_ids.end());
    transaction.push_back(std::move(ack));
    transaction.push_back(std::move(del));
    transaction.push_back({"EXEC"});
    const std::vector<RedisReply> replies = connection.Pipeline(transaction);
    const RedisReply& exec = replies.back();
    if (exec.is_error() || exec.is_nil()) throw RedisIoError("EXEC of XACK and XDEL failed: " + exec.str());
    for (std::size_t d = 0; d < dead_letters; ++d) metrics_.CountDeadLetter();
  }
  entries_handled_.fetch_add(entries.size());
  return entries.size();
}

void StreamConsumer::Run() {
  spdlog::info("Stream intake started: stream {}, group {}, consumer {}", keys::kEventStream, keys::kStreamGroup,
               options_.consumer_name);
  while (!stop_.load()) {
    if (!pool_.up()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    try {
      WithRedis(pool_, [&](RedisConnection& connection) {
        // Poll until a stop or an error: a leased connection per batch would
        // churn the pool for nothing.
        while (!stop_.load()) PollOnce(connection);
        return 0;
      });
    } catch (const RedisIoError& error) {
      spdlog::warn("Stream intake paused, Redis failed: {}", error.what());
      read_own_pending_ = true;  // the entries in flight are pending again
      group_ready_ = false;
    }
  }
  spdlog::info("Stream intake stopped after {} entries", entries_handled_.load());
}

}  // namespace ash
