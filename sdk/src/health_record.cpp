#include "notify/sdk/health_record.hpp"

#include <utility>

namespace notify::sdk {

void HealthRecord::Set(HealthState state, std::string cause, std::string remedy,
                       std::int64_t now_unix_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state != health_.state || cause != health_.cause) health_.since_unix_s = now_unix_s;
  health_.state = state;
  health_.cause = std::move(cause);
  health_.remedy = std::move(remedy);
}

void HealthRecord::SetCredentialExpiry(std::int64_t expires_unix_s) {
  std::lock_guard<std::mutex> lock(mutex_);
  health_.credential_expires_unix_s = expires_unix_s;
}

SenderHealth HealthRecord::Get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return health_;
}

}  // namespace notify::sdk
