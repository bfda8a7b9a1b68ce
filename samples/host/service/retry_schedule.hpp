#pragma once
// When a notification that got retry_later is tried again (docs/service.md,
// "Retries"): not before the channel's retry_after, and not before an
// exponential back-off (base * 2^(attempt-1), capped) with "equal jitter"
// (half fixed, half random), so that a recovering server is not met by every
// waiting notification at the same instant.
#include <chrono>
#include <cstdint>

namespace notify_host {

struct RetrySettings {
  std::chrono::milliseconds base{std::chrono::seconds(30)};   // delivery.retry_base
  std::chrono::milliseconds cap{std::chrono::hours(1)};       // delivery.retry_max
  std::chrono::milliseconds max_age{std::chrono::hours(24)};  // delivery.max_age
};

// The wait before attempt `attempts + 1`, after `attempts` attempts (>= 1).
// `jitter` in [0, 1) comes from the caller (a random source in the service,
// fixed values in tests). `retry_after_s` > 0 is a lower bound, itself
// capped at settings.cap (no wait is longer than delivery.retry_max).
std::chrono::milliseconds RetryDelay(const RetrySettings& settings, int attempts, int retry_after_s,
                                     double jitter);

}  // namespace notify_host
