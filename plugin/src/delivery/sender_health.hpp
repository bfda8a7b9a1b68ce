#pragma once
// A sender's health (docs/host-api.md, SenderHealth; docs/delivery.md,
// Health): failing after a refusal that only an administrator can fix (a
// credential refused or expired, 535, a refused certificate), ok again once
// a message is delivered, and the credential's expiry on top: a warning while
// fewer than 30 days remain, logged once a day.
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "credential/credential_expiry.hpp"
#include "notify/host_api/health.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/sdk/health_record.hpp"
#include "notify/sdk/status.hpp"

namespace m365 {

// Thread-safe: Deliver updates it, the host reads Report from any thread.
class SenderHealthTracker {
 public:
  using LogFn = std::function<void(notify::LogLevel, const std::string&)>;
  // `clock` (which must outlive the tracker) gives the calendar time;
  // `log` writes one line of the host's log.
  SenderHealthTracker(std::optional<CredentialExpiry> expiry, const Clock& clock, LogFn log);

  // After a Deliver call. `given_up`: why the batch was given up, if it was;
  // a cause that is not transient makes the health failing (logged once per
  // new cause). `delivered`: a message was accepted, which clears a failure.
  void AfterDeliver(const std::optional<notify::sdk::Status>& given_up, bool delivered);

  // Logs the expiry warning when one is due (once a day while fewer than 30
  // days remain).
  void WarnIfDue();

  // The health now: failing after a refusal; else the expiry's warning or
  // failure; else ok once anything was delivered, unknown before.
  notify::SenderHealth Report() const;

 private:
  std::int64_t NowUnix() const;

  const Clock& clock_;
  LogFn log_;
  mutable ExpiryWatch expiry_;
  notify::sdk::HealthRecord record_;
  std::optional<std::chrono::system_clock::time_point> expires_;
};

}  // namespace m365
