#pragma once

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/event.h"
#include "service/redis_pool.h"
#include "service/service_metrics.h"
#include "service/spool.h"
#include "storage/event_store.h"
#include "util/expected.h"

namespace ash {

// What happened to one event received over HTTP.
enum class IntakeStatus { kApplied, kDuplicate, kAlreadyRecorded, kUnknownAlert, kInvalid, kSpooled };

// "applied", "duplicate", "already_recorded", "unknown_alert", "invalid", "spooled".
std::string_view IntakeStatusName(IntakeStatus status);

// One received document: its parsed event or the parse error.
struct IntakeItem {
  std::size_t line = 0;  // 1-based line of an NDJSON batch, 0 for a single event
  Expected<Event, EventError> event;
  std::string type;  // the event type name, or "unknown" when it has none
};

struct IntakeOutcome {
  std::size_t line = 0;
  IntakeStatus status = IntakeStatus::kApplied;
  std::string type;
  std::string alert_id;  // when known
  std::string event_id;  // the id given to a spooled event
  std::optional<EventError> error;
  bool clock_skew = false;
};

// Parses one JSON document into an item. Never throws.
IntakeItem ParseIntakeItem(std::string_view json_text, std::size_t line);

// Parses an NDJSON body: one item per non-blank line.
std::vector<IntakeItem> ParseNdjson(std::string_view body);

// Applies received events to Redis with the EventStore rules, or spools
// them when Redis is unavailable. While the spool holds events, new ones
// are spooled behind them, so events apply in the order they were accepted.
// Thread-safe.
class EventIntake {
 public:
  EventIntake(RedisPool& pool, Spool& spool, StoreSettings store_settings, const Clock& clock,
              ServiceMetrics& metrics);

  // Validates each item against the clock and applies (or spools) the valid
  // ones; invalid items change nothing. Throws std::system_error when the
  // spool cannot be written; then no event of the call was spooled.
  std::vector<IntakeOutcome> Accept(std::vector<IntakeItem> items);

  // Replays the spool into Redis in order, then empties it, and returns the
  // number of events replayed. Events that can never apply (an unknown
  // alert) go to the dead-letter stream. Throws RedisIoError when Redis is
  // lost; the spool is then kept whole, and the next replay reports the
  // events already applied as duplicates through their event ids.
  std::size_t ReplaySpool();

 private:
  // Gives a spooled event an event id and its receive time, so a replay
  // after a crash is idempotent and keeps the original time.
  std::string SpoolLine(Event& event, EpochMs received_ms) const;
  void SpoolEvents(std::vector<Event>& events, const std::vector<std::size_t>& indexes,
                   std::vector<IntakeOutcome>& outcomes, EpochMs received_ms);

  RedisPool& pool_;
  Spool& spool_;
  const StoreSettings store_settings_;
  const Clock& clock_;
  ServiceMetrics& metrics_;
  // Requests that apply directly hold it shared; spooling and replay hold
  // it exclusively, so no event overtakes one spooled before it.
  std::shared_mutex order_mutex_;
};

// A random 128-bit value as 32 lower-case hex digits.
std::string RandomHex128();

}  // namespace ash
