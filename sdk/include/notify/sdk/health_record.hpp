#pragma once
// A sender's health as its delivery code learns it, read by the host from any
// thread (Sender::Health may run while Deliver runs). SenderBase::Health
// returns what the plugin's ReportHealth gives; a plugin keeps one
// HealthRecord per sender and returns Get() there.
#include <cstdint>
#include <mutex>
#include <string>

#include "notify/host_api/health.hpp"

namespace notify::sdk {

// Thread-safe.
class HealthRecord {
 public:
  // Records `state` with its cause and remedy. `since_unix_s` is kept from the
  // previous record when neither the state nor the cause changed, so "since"
  // says when the condition began, not when it was last seen.
  void Set(HealthState state, std::string cause, std::string remedy, std::int64_t now_unix_s);
  // Records when the sender's credential expires (seconds since the epoch);
  // 0 when unknown.
  void SetCredentialExpiry(std::int64_t expires_unix_s);
  // The current record.
  SenderHealth Get() const;

 private:
  mutable std::mutex mutex_;
  SenderHealth health_;
};

}  // namespace notify::sdk
