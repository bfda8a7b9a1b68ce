#include "service/retry_schedule.hpp"

#include <algorithm>

namespace notify_host {

std::chrono::milliseconds RetryDelay(const RetrySettings& settings, int attempts, int retry_after_s,
                                     double jitter) {
  using std::chrono::milliseconds;
  const int doublings = std::clamp(attempts - 1, 0, 30);
  long long full = settings.base.count();
  for (int i = 0; i < doublings && full < settings.cap.count(); ++i) full *= 2;
  full = std::min<long long>(full, settings.cap.count());
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto delay =
      milliseconds(full / 2 + static_cast<long long>(static_cast<double>(full / 2) * jitter));
  // The channel's retry_after is a lower bound, but no wait is longer than
  // the cap: an administrator's retry_max bounds every wait.
  auto wanted =
      std::max(delay, milliseconds(static_cast<long long>(std::max(0, retry_after_s)) * 1000));
  return std::min(wanted, settings.cap);
}

}  // namespace notify_host
