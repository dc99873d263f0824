#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ash {

// A one-way flag that asks the service to stop, and lets threads sleep
// until it is raised. Safe to use from any thread (not from a signal
// handler: the service turns signals into Request() on a sigwait thread).
class ShutdownSignal {
 public:
  void Request() {
    {
      std::lock_guard lock(mutex_);
      requested_ = true;
    }
    changed_.notify_all();
  }

  bool requested() const {
    std::lock_guard lock(mutex_);
    return requested_;
  }

  // Sleeps until Request() or the timeout; returns whether it was requested.
  bool WaitFor(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return requested_; });
  }

  void Wait() const {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return requested_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool requested_ = false;
};

}  // namespace ash
