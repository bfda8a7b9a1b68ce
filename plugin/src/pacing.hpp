#pragma once
// Pacing after throttling or a failed connection: waits that grow, so a busy
// or unreachable server is not hammered, and that end early when the batch
// is given up.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace m365 {

// Shared by the workers of one batch: set once the batch is given up, so
// that every waiting worker wakes up. Thread-safe.
class StopSignal {
 public:
  void Stop();
  bool stopped() const;
  // Sleeps for `duration` or until Stop(); returns false when stopped.
  bool SleepFor(std::chrono::milliseconds duration);

 private:
  mutable std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
};

// Delays of 1 s, 2 s, 4 s ... capped at `cap`, each with up to 20 % of
// random jitter so parallel workers do not retry in step.
class Backoff {
 public:
  explicit Backoff(std::chrono::milliseconds cap,
                   std::chrono::milliseconds first = std::chrono::seconds(1));
  // The next delay; each call doubles the base.
  std::chrono::milliseconds Next();
  // Back to the first delay after a success.
  void Reset();
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds cap_;
  std::chrono::milliseconds first_;
  std::chrono::milliseconds base_;
  int attempts_ = 0;
};

}  // namespace m365
