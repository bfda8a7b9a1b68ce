#include "web/sign_in_throttle.hpp"

#include <algorithm>

namespace notify_host::web {

std::int64_t SignInThrottle::WaitMs() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::max<std::int64_t>(0, locked_until_ms_ - now_ms_());
}

void SignInThrottle::Failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++failures_;
  if (failures_ < kFreeFailures) return;
  std::int64_t delay = kFirstDelayMs;
  for (int i = kFreeFailures; i < failures_ && delay < kMaxDelayMs; ++i) delay *= 2;
  locked_until_ms_ = now_ms_() + std::min(delay, kMaxDelayMs);
}

void SignInThrottle::Succeeded() {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_ = 0;
  locked_until_ms_ = 0;
}

}  // namespace notify_host::web
