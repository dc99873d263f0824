#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/redis_connection.h"
#include "storage/redis_endpoint.h"

namespace ash {

// The service's connections to Redis and whether Redis is reachable.
// RedisConnection is not thread-safe, so each worker thread leases its own
// connection for the length of one request. Thread-safe.
class RedisPool {
 public:
  // A connection lent to one thread; returned to the pool when destroyed,
  // unless Discard() was called after an error.
  class Lease {
   public:
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    RedisConnection& operator*() const { return *connection_; }
    RedisConnection* operator->() const { return connection_.get(); }
    void Discard() { connection_.reset(); }

   private:
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> connection_;
  };

  RedisPool(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout);

  // Lends an idle connection or opens one. Throws RedisIoError when Redis
  // is marked down, or when connecting fails (which marks it down).
  Lease Acquire();

  // Marks Redis down after a lost connection and closes the idle
  // connections, which were opened to the same server. Wakes WaitForFailure.
  void ReportFailure(const std::string& reason);

  // Marks Redis reachable again (the reconnect loop calls this).
  void MarkUp();

  bool up() const { return up_.load(); }
  std::string last_error() const;
  const RedisEndpoint& endpoint() const { return endpoint_; }
  std::chrono::milliseconds connect_timeout() const { return connect_timeout_; }

  // Sleeps until ReportFailure() or the timeout. Returns true on a failure.
  bool WaitForFailure(std::chrono::milliseconds timeout);

  // Wakes WaitForFailure without a failure (for shutdown).
  void Interrupt();

  // Closes every idle connection.
  void CloseAll();

 private:
  void Return(std::unique_ptr<RedisConnection> connection);

  const RedisEndpoint endpoint_;
  const std::chrono::milliseconds connect_timeout_;
  std::atomic<bool> up_{true};

  mutable std::mutex mutex_;
  std::condition_variable failure_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::string last_error_;
  std::uint64_t failures_ = 0;  // counts ReportFailure calls, for WaitForFailure
  std::uint64_t interrupts_ = 0;
};

// Runs fn(connection) on a leased connection. A RedisIoError discards the
// connection, marks Redis down and is rethrown.
template <typename Fn>
auto WithRedis(RedisPool& pool, Fn&& fn) {
  RedisPool::Lease lease = pool.Acquire();
  try {
    return fn(*lease);
  } catch (const RedisIoError& error) {
    lease.Discard();
    pool.ReportFailure(error.what());
    throw;
  }
}

}  // namespace ash
