#include "service/redis_pool.h"

#include <utility>

namespace ash {

RedisPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

RedisPool::RedisPool(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout)
    : endpoint_(std::move(endpoint)), connect_timeout_(connect_timeout) {}

RedisPool::Lease RedisPool::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!up_.load()) throw RedisIoError("Redis at " + endpoint_.Describe() + " is unavailable: " + last_error_);
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }

  auto connected = RedisConnection::Connect(endpoint_, connect_timeout_);
  if (!connected.ok()) {
    ReportFailure(connected.error());
    throw RedisIoError(connected.error());
  }
  return Lease(this, std::move(connected.value()));
}

void RedisPool::Return(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mutex_);
  // A connection returned while Redis is down may belong to the lost
  // server; the next Acquire opens a fresh one instead.
  if (up_.load()) idle_.push_back(std::move(connection));
}

void RedisPool::ReportFailure(const std::string& reason) {
  std::vector<std::unique_ptr<RedisConnection>> closing;
  {
    std::lock_guard lock(mutex_);
    up_.store(false);
    last_error_ = reason;
    ++failures_;
    closing.swap(idle_);
  }
  failure_.notify_all();
}

void RedisPool::MarkUp() {
  std::lock_guard lock(mutex_);
  up_.store(true);
}

std::string RedisPool::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

bool RedisPool::WaitForFailure(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t failures = failures_;
  const std::uint64_t interrupts = interrupts_;
  failure_.wait_for(lock, timeout, [&] { return failures_ != failures || interrupts_ != interrupts; });
  return failures_ != failures;
}

void RedisPool::Interrupt() {
  {
    std::lock_guard lock(mutex_);
    ++interrupts_;
  }
  failure_.notify_all();
}

void RedisPool::CloseAll() {
  std::vector<std::unique_ptr<RedisConnection>> closing;
  std::lock_guard lock(mutex_);
  closing.swap(idle_);
}

}  // namespace ash
