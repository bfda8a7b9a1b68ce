#include "common/clock.hpp"

namespace m365 {
namespace {

class Steady : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  bool Pause(std::chrono::milliseconds duration, StopSignal& stop) override {
    return stop.WaitFor(duration);
  }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

}  // namespace

void StopSignal::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  stopped_cv_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}

bool StopSignal::WaitFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !stopped_cv_.wait_for(lock, duration, [&] { return stopped_; });
}

Clock& SteadyClock() {
  static Clock* clock = new Steady();  // never destroyed: senders may outlive statics
  return *clock;
}

Clock::TimePoint ManualClock::Now() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return now_;
}

bool ManualClock::Pause(std::chrono::milliseconds duration, StopSignal& stop) {
  if (stop.stopped()) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  pauses_.push_back(duration);
  now_ += duration;
  return true;
}

void ManualClock::Advance(std::chrono::milliseconds by) {
  std::lock_guard<std::mutex> lock(mutex_);
  now_ += by;
  wall_ += by;
}

void ManualClock::SetWallNow(WallTime wall) {
  std::lock_guard<std::mutex> lock(mutex_);
  wall_ = wall;
}

Clock::WallTime ManualClock::WallNow() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wall_;
}

std::vector<std::chrono::milliseconds> ManualClock::pauses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pauses_;
}

}  // namespace m365
