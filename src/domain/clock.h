#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ash {

// Milliseconds since the Unix epoch, UTC. Every instant in the program is one.
using EpochMs = std::int64_t;

inline constexpr EpochMs kMsPerSecond = 1000;
inline constexpr EpochMs kMsPerMinute = 60 * kMsPerSecond;
inline constexpr EpochMs kMsPerHour = 60 * kMsPerMinute;
inline constexpr EpochMs kMsPerDay = 24 * kMsPerHour;

// The source of the current time. Code receives a Clock instead of reading
// the system time, so tests can run a week of schedules instantly.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochMs NowMs() const = 0;
};

// Reads the system's real-time clock.
class SystemClock final : public Clock {
 public:
  EpochMs NowMs() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that stands still until told to move. Safe to read and set from
// several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(EpochMs now) : now_(now) {}
  EpochMs NowMs() const override { return now_.load(); }
  void Set(EpochMs now) { now_.store(now); }
  void Advance(EpochMs delta) { now_.fetch_add(delta); }

 private:
  std::atomic<EpochMs> now_;
};

// A clock that runs at real speed from a chosen starting instant, for the
// `--now` option of long-running commands.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(EpochMs start) : offset_(start - SystemClock().NowMs()) {}
  EpochMs NowMs() const override { return SystemClock().NowMs() + offset_; }

 private:
  EpochMs offset_;
};

}  // namespace ash
