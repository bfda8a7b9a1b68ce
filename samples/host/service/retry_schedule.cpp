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
  return std::max(delay, milliseconds(static_cast<long long>(std::max(0, retry_after_s)) * 1000));
}

}  // namespace notify_host
