#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "domain/clock.h"
#include "service/redis_pool.h"
#include "service/service_metrics.h"
#include "storage/event_store.h"

namespace ash {

struct StreamConsumerOptions {
  std::string consumer_name = "ash-metrics";  // unique per running copy
  std::size_t batch_size = 200;               // entries read per XREADGROUP
  std::chrono::milliseconds block{1000};      // XREADGROUP BLOCK
  // Entries delivered to another consumer and not acknowledged for this long
  // are claimed (XAUTOCLAIM): that consumer is taken to be dead.
  std::chrono::milliseconds claim_idle{60000};
  std::chrono::milliseconds claim_interval{5000};
};

// Reads alert events from the stream ash:metrics:events in the consumer
// group "ash-metrics" and applies them with the EventStore rules. Each
// entry holds the event's JSON in its field "event". An entry is
// acknowledged (XACK) and deleted (XDEL) only after its event was applied;
// one that can never apply goes to ash:metrics:events:dead with the reason.
// A crash between applying and acknowledging redelivers the entry, which
// then reports "duplicate": an entry without an event_id gets
// "stream-<entry id>". Not thread-safe: one thread runs it.
class StreamConsumer {
 public:
  StreamConsumer(RedisPool& pool, StoreSettings store_settings, const Clock& clock, ServiceMetrics& metrics,
                 StreamConsumerOptions options);

  // Reads and applies one batch: this consumer's own pending entries first
  // (left by a crash or a lost connection), then entries of dead consumers
  // (every claim_interval), then new entries, waiting up to `block` for
  // them. Creates the group when missing. Returns the entries handled.
  // Throws RedisIoError.
  std::size_t PollOnce(RedisConnection& connection);

  // Calls PollOnce until Stop(); waits while Redis is down and rereads the
  // pending entries after each reconnect.
  void Run();
  void Stop() { stop_.store(true); }

  std::uint64_t entries_handled() const { return entries_handled_.load(); }

 private:
  void EnsureGroup(RedisConnection& connection);
  std::size_t ClaimIdle(RedisConnection& connection);
  // Applies the entries of an XREADGROUP or XAUTOCLAIM reply; acknowledges
  // and deletes them in one MULTI/EXEC with the dead letters.
  std::size_t HandleEntries(RedisConnection& connection, const std::vector<RedisReply>& entries);

  RedisPool& pool_;
  const StoreSettings store_settings_;
  const Clock& clock_;
  ServiceMetrics& metrics_;
  const StreamConsumerOptions options_;

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> entries_handled_{0};
  bool group_ready_ = false;
  bool read_own_pending_ = true;
  std::chrono::steady_clock::time_point next_claim_{};
};

}  // namespace ash
