#pragma once
// The one time source of everything in the plugin that pauses or reads time
// for its own decisions (back-off between connection attempts, token reuse,
// Retry-After), so that tests drive it instead of waiting. Network deadlines
// (socket timeouts) stay on the real steady clock: they bound real I/O.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace m365 {

// Set once when a piece of work is given up, so that everything waiting for
// it wakes up. Thread-safe.
class StopSignal {
 public:
  void Stop();
  bool stopped() const;
  // Blocks for `duration` of real time or until Stop(); false when stopped.
  bool WaitFor(std::chrono::milliseconds duration);

 private:
  mutable std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
};

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Monotonic now. Thread-safe.
  virtual TimePoint Now() const = 0;
  // Pauses for `duration` on this clock, or until `stop` is set, whichever
  // comes first. Returns false when stopped. Thread-safe.
  virtual bool Pause(std::chrono::milliseconds duration, StopSignal& stop) = 0;
  // The calendar time (UTC), for what is dated by the calendar: credential
  // expiry and the times inside a client assertion. Thread-safe.
  using WallTime = std::chrono::system_clock::time_point;
  virtual WallTime WallNow() const = 0;
};

// std::chrono::steady_clock; pauses block the calling thread. Never destroyed.
Clock& SteadyClock();

// A clock that only moves when told to: Pause() returns at once, moving the
// clock on by the pause and recording it. For tests. Thread-safe.
class ManualClock : public Clock {
 public:
  TimePoint Now() const override;
  bool Pause(std::chrono::milliseconds duration, StopSignal& stop) override;
  // Moves both Now() and WallNow() on by `by`.
  void Advance(std::chrono::milliseconds by);
  // Sets the calendar time WallNow() reports from now on.
  void SetWallNow(WallTime wall);
  WallTime WallNow() const override;
  // Every Pause() so far, in order.
  std::vector<std::chrono::milliseconds> pauses() const;

 private:
  mutable std::mutex mutex_;
  // Far from the epoch, so that "now minus a margin" stays positive.
  TimePoint now_{std::chrono::hours(24)};
  // 2030-01-01T00:00:00Z unless set: a fixed date, never today's.
  WallTime wall_{std::chrono::seconds(1893456000)};
  std::vector<std::chrono::milliseconds> pauses_;
};

}  // namespace m365
