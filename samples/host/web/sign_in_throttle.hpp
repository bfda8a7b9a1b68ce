#pragma once
// The lockout delay of the settings page's sign-in (docs/settings-page.md,
// "Signing in"). One admin password, so one counter: after kFreeFailures
// wrong passwords in a row, sign-in is refused unchecked for a delay that
// doubles with each further failure (30 s, 60 s, ... at most 15 minutes);
// a right password resets it. Attempts refused during the delay are not
// checked and do not lengthen it.
#include <cstdint>
#include <functional>
#include <mutex>

namespace notify_host::web {

class SignInThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr std::int64_t kFirstDelayMs = 30 * 1000;
  static constexpr std::int64_t kMaxDelayMs = 15 * 60 * 1000;

  explicit SignInThrottle(std::function<std::int64_t()> now_ms) : now_ms_(std::move(now_ms)) {}

  // 0 when a password may be checked now; else the milliseconds to wait.
  std::int64_t WaitMs();
  void Failed();
  void Succeeded();

 private:
  std::function<std::int64_t()> now_ms_;
  std::mutex mutex_;
  int failures_ = 0;
  std::int64_t locked_until_ms_ = 0;
};

}  // namespace notify_host::web
