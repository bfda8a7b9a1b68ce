#include "delivery/sender_health.hpp"

namespace m365 {

SenderHealthTracker::SenderHealthTracker(std::optional<CredentialExpiry> expiry, const Clock& clock,
                                         LogFn log)
    : clock_(clock), log_(std::move(log)), expiry_(expiry) {
  if (expiry) {
    expires_ = expiry->expires;
    record_.SetCredentialExpiry(
        std::chrono::duration_cast<std::chrono::seconds>(expiry->expires.time_since_epoch())
            .count());
  }
}

std::int64_t SenderHealthTracker::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
      .count();
}

void SenderHealthTracker::AfterDeliver(const std::optional<notify::sdk::Status>& given_up,
                                       bool delivered) {
  if (given_up && !given_up->IsTransient()) {
    notify::SenderHealth before = record_.Get();
    record_.Set(notify::HealthState::kFailing, given_up->message(), given_up->remedy(), NowUnix());
    // One error line per new cause, not one per Deliver call.
    if (before.state != notify::HealthState::kFailing || before.cause != given_up->message()) {
      log_(notify::LogLevel::kError,
           "health: failing until an administrator acts: " + given_up->message() +
               (given_up->remedy().empty() ? "" : " Fix: " + given_up->remedy()));
    }
  } else if (delivered) {
    if (record_.Get().state == notify::HealthState::kFailing)
      log_(notify::LogLevel::kInfo, "health: delivering again");
    record_.Set(notify::HealthState::kOk, "", "", NowUnix());
  }
}

void SenderHealthTracker::WarnIfDue() {
  std::string warning = expiry_.DueWarning(clock_.WallNow());
  if (!warning.empty()) log_(notify::LogLevel::kWarning, warning);
}

notify::SenderHealth SenderHealthTracker::Report() const {
  notify::SenderHealth recorded = record_.Get();
  if (recorded.state == notify::HealthState::kFailing) return recorded;
  notify::SenderHealth expiry = expiry_.Health(clock_.WallNow());
  if (expiry.state == notify::HealthState::kWarning ||
      expiry.state == notify::HealthState::kFailing) {
    // The condition began 30 days before the expiry, or at it.
    auto began = expiry.state == notify::HealthState::kFailing
                     ? *expires_
                     : *expires_ - std::chrono::hours(24 * kExpiryWarningDays);
    expiry.since_unix_s =
        std::chrono::duration_cast<std::chrono::seconds>(began.time_since_epoch()).count();
    return expiry;
  }
  return recorded;
}

}  // namespace m365
