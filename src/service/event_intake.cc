#include "service/event_intake.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "service/dead_letter.h"
#include "storage/keys.h"

namespace ash {

namespace {

IntakeStatus StatusOf(ApplyStatus status) {
  switch (status) {
    case ApplyStatus::kApplied: return IntakeStatus::kApplied;
    case ApplyStatus::kDuplicate: return IntakeStatus::kDuplicate;
    case ApplyStatus::kAlreadyRecorded: return IntakeStatus::kAlreadyRecorded;
    case ApplyStatus::kUnknownAlert: return IntakeStatus::kUnknownAlert;
    case ApplyStatus::kInvalid: return IntakeStatus::kInvalid;
  }
  return IntakeStatus::kInvalid;
}

std::string TypeLabel(const nlohmann::json& document) {
  if (!document.is_object()) return "unknown";
  const auto type = document.find("type");
  if (type == document.end() || !type->is_string()) return "unknown";
  const auto parsed = ParseEventType(type->get<std::string>());
  return parsed.has_value() ? std::string(EventTypeName(*parsed)) : "unknown";
}

void CountOutcome(ServiceMetrics& metrics, std::string_view source, const IntakeOutcome& outcome) {
  switch (outcome.status) {
    case IntakeStatus::kApplied:
    case IntakeStatus::kDuplicate:
    case IntakeStatus::kAlreadyRecorded:
      metrics.CountApplied(source, outcome.type, IntakeStatusName(outcome.status));
      break;
    case IntakeStatus::kUnknownAlert:
    case IntakeStatus::kInvalid:
      metrics.CountRejected(source, outcome.type, IntakeStatusName(outcome.status));
      break;
    case IntakeStatus::kSpooled:
      metrics.CountSpooled(outcome.type);
      break;
  }
}

}  // namespace

std::string_view IntakeStatusName(IntakeStatus status) {
  switch (status) {
    case IntakeStatus::kApplied: return "applied";
    case IntakeStatus::kDuplicate: return "duplicate";
    case IntakeStatus::kAlreadyRecorded: return "already_recorded";
    case IntakeStatus::kUnknownAlert: return "unknown_alert";
    case IntakeStatus::kInvalid: return "invalid";
    case IntakeStatus::kSpooled: return "spooled";
  }
  return "invalid";
}

std::string RandomHex128() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", generator(), generator());
}

IntakeItem ParseIntakeItem(std::string_view json_text, std::size_t line) {
  nlohmann::json document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded()) {
    // ParseEvent words the parser's error, with its byte position.
    return IntakeItem{line, ParseEvent(json_text), "unknown"};
  }
  std::string type = TypeLabel(document);
  return IntakeItem{line, EventFromJson(document), std::move(type)};
}

std::vector<IntakeItem> ParseNdjson(std::string_view body) {
  std::vector<IntakeItem> items;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    ++line_number;
    std::string_view line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) items.push_back(ParseIntakeItem(line, line_number));
    start = end + 1;
  }
  return items;
}

EventIntake::EventIntake(RedisPool& pool, Spool& spool, StoreSettings store_settings, const Clock& clock,
                         ServiceMetrics& metrics)
    : pool_(pool), spool_(spool), store_settings_(store_settings), clock_(clock), metrics_(metrics) {}

std::vector<IntakeOutcome> EventIntake::Accept(std::vector<IntakeItem> items) {
  const EpochMs received_ms = clock_.NowMs();
  std::vector<IntakeOutcome> outcomes(items.size());
  std::vector<Event> events;
  std::vector<std::size_t> indexes;  // outcome index of each valid event

  // Validate: nothing invalid goes further.
  for (std::size_t i = 0; i < items.size(); ++i) {
    IntakeOutcome& outcome = outcomes[i];
    outcome.line = items[i].line;
    outcome.type = items[i].type;
    if (!items[i].event.ok()) {
      outcome.status = IntakeStatus::kInvalid;
      outcome.error = items[i].event.error();
      continue;
    }
    Event& event = items[i].event.value();
    outcome.alert_id = event.alert_id;
    if (auto error = CheckEventTime(event, received_ms)) {
      outcome.status = IntakeStatus::kInvalid;
      outcome.error = std::move(error);
      continue;
    }
    events.push_back(std::move(event));
    indexes.push_back(i);
  }

  if (!events.empty()) {
    bool applied = false;
    {
      std::shared_lock order(order_mutex_);
      if (pool_.up() && spool_.empty()) {
        try {
          const std::vector<ApplyResult> results = WithRedis(pool_, [&](RedisConnection& connection) {
            EventStore store(connection, store_settings_);
            return store.ApplyBatch(events, received_ms);
          });
          for (std::size_t k = 0; k < results.size(); ++k) {
            IntakeOutcome& outcome = outcomes[indexes[k]];
            outcome.status = StatusOf(results[k].status);
            if (!results[k].alert_id.empty()) outcome.alert_id = results[k].alert_id;
            outcome.error = results[k].error;
            outcome.clock_skew = results[k].clock_skew;
          }
          applied = true;
        } catch (const RedisIoError& error) {
          spdlog::warn("Redis failed while applying {} events over HTTP; spooling them: {}", events.size(),
                       error.what());
        }
      }
    }
    if (!applied) {
      // Events of a batch that Redis applied before the connection broke
      // come back from the replay as duplicate or already recorded.
      std::unique_lock order(order_mutex_);
      SpoolEvents(events, indexes, outcomes, received_ms);
    }
  }

  for (const IntakeOutcome& outcome : outcomes) CountOutcome(metrics_, "http", outcome);
  return outcomes;
}

std::string EventIntake::SpoolLine(Event& event, EpochMs received_ms) const {
  if (event.event_id.empty()) event.event_id = "spool-" + RandomHex128();
  if (!event.at.has_value()) event.at = received_ms;
  return EventToJson(event).dump();
}

void EventIntake::SpoolEvents(std::vector<Event>& events, const std::vector<std::size_t>& indexes,
                              std::vector<IntakeOutcome>& outcomes, EpochMs received_ms) {
  std::vector<std::string> lines;
  lines.reserve(events.size());
  for (Event& event : events) lines.push_back(SpoolLine(event, received_ms));
  spool_.Append(lines);

  for (std::size_t k = 0; k < events.size(); ++k) {
    IntakeOutcome& outcome = outcomes[indexes[k]];
    outcome.status = IntakeStatus::kSpooled;
    outcome.event_id = events[k].event_id;
  }
  spdlog::info("Spooled {} events to {} while Redis is unavailable; the spool now contains {}", events.size(),
               spool_.path(), spool_.size());
}

std::size_t EventIntake::ReplaySpool() {
  constexpr std::size_t kReplayBatch = 500;
  std::unique_lock order(order_mutex_);
  const std::vector<std::string> lines = spool_.ReadAll();
  if (lines.empty()) return 0;
  spdlog::info("Replaying {} spooled events from {}", lines.size(), spool_.path());

  std::map<std::string, std::size_t> counts;
  WithRedis(pool_, [&](RedisConnection& connection) {
    EventStore store(connection, store_settings_);
    for (std::size_t first = 0; first < lines.size(); first += kReplayBatch) {
      const std::size_t last = std::min(lines.size(), first + kReplayBatch);
      std::vector<Event> events;
      std::vector<std::size_t> line_indexes;
      std::vector<RedisCommand> dead_letters;
      for (std::size_t i = first; i < last; ++i) {
        IntakeItem item = ParseIntakeItem(lines[i], i + 1);
        if (!item.event.ok()) {
          // Only a hand-edited spool gets here: the service writes valid events.
          dead_letters.push_back(DeadLetterCommand(
              {lines[i], "invalid", item.event.error().field, item.event.error().Message(), "spool"}));
          metrics_.CountRejected("spool", item.type, "invalid");
          ++counts["invalid"];
          continue;
        }
        events.push_back(std::move(item.event.value()));
        line_indexes.push_back(i);
      }

      const std::vector<ApplyResult> results = store.ApplyBatch(events, clock_.NowMs());
      for (std::size_t k = 0; k < results.size(); ++k) {
        IntakeOutcome outcome;
        outcome.status = StatusOf(results[k].status);
        outcome.type = std::string(EventTypeName(events[k].type));
        CountOutcome(metrics_, "spool", outcome);
        ++counts[std::string(IntakeStatusName(outcome.status))];
        if (results[k].error.has_value()) {
          spdlog::warn("Spooled event {} for alert {} cannot apply ({}); moved to {}", events[k].event_id,
                       events[k].alert_id, results[k].error->Message(), keys::kDeadLetterStream);
          dead_letters.push_back(DeadLetterCommand({lines[line_indexes[k]],
                                                    std::string(IntakeStatusName(outcome.status)),
                                                    results[k].error->field, results[k].error->Message(), "spool"}));
        }
      }
      if (!dead_letters.empty()) {
        for (const RedisReply& reply : connection.Pipeline(dead_letters)) reply.ExpectOk("XADD dead letter");
        for (std::size_t d = 0; d < dead_letters.size(); ++d) metrics_.CountDeadLetter();
      }
    }
    return 0;
  });

  spool_.Clear();
  std::string summary;
  for (const auto& [status, count] : counts) summary += fmt::format(" {} {}", status, count);
  spdlog::info("Replayed {} spooled events:{}; spool emptied", lines.size(), summary);
  return lines.size();
}

}  // namespace ash
