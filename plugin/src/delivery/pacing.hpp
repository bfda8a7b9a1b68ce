#pragma once
// Pacing after throttling or a failed connection: waits that grow, so a busy
// or unreachable server is not hammered. The waits themselves go through a
// Clock (clock.hpp), so that they end early when the batch is given up and
// tests do not spend them.
#include <chrono>

namespace m365 {

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

  // The most that `pauses` calls of Next() on a new Backoff(cap, first) can
  // add up to, jitter included.
  static std::chrono::milliseconds MaxTotal(
      int pauses, std::chrono::milliseconds cap,
      std::chrono::milliseconds first = std::chrono::seconds(1));

 private:
  std::chrono::milliseconds cap_;
  std::chrono::milliseconds first_;
  std::chrono::milliseconds base_;
  int attempts_ = 0;
};

}  // namespace m365
