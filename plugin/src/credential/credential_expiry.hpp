#pragma once
// When the channel's credential expires, and what that means for Save, for a
// running sender's log and for its health (docs/channel-settings.md,
// Credential expiry): warnings from 30 days before, an error once expired.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "credential/client_certificate.hpp"
#include "notify/host_api/health.hpp"
#include "notify/host_api/validation.hpp"

namespace m365 {

// Warnings start this many days before a credential expires.
inline constexpr int kExpiryWarningDays = 30;

// A credential with a known end.
struct CredentialExpiry {
  std::string field;  // the setting it comes from: "secret_expires" or "certificate_file"
  std::string what;   // "The client secret", "The certificate (thumbprint ...)"
  std::chrono::system_clock::time_point expires;
  std::string renew;    // the steps to create a new one
  std::string refusal;  // how Microsoft refuses it once expired, e.g. "AADSTS7000222"
};

// "YYYY-MM-DD" as the start of that day, UTC (the portal's "Expires" date;
// the earliest moment it can mean). nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> ParseExpiryDate(const std::string& text);

// The client secret's expiry from secret_expires, with the steps to create a
// new secret.
CredentialExpiry SecretExpiry(std::chrono::system_clock::time_point expires);

// The certificate's expiry (its notAfter), with the steps to renew it.
CredentialExpiry CertificateExpiry(const CertificateFacts& facts);

// Whole days left until `expiry`, rounded down; negative once expired.
long DaysLeft(const CredentialExpiry& expiry, std::chrono::system_clock::time_point now);

// Save's issue for `expiry` at `now`: an error when expired, a warning with
// the days left within kExpiryWarningDays, nullopt otherwise.
std::optional<notify::FieldIssue> ExpiryIssue(const CredentialExpiry& expiry,
                                              std::chrono::system_clock::time_point now);

// A running sender's view of its credential's expiry: the health it implies
// and one log warning a day while fewer than kExpiryWarningDays days remain.
// Thread-safe.
class ExpiryWatch {
 public:
  explicit ExpiryWatch(std::optional<CredentialExpiry> expiry) : expiry_(std::move(expiry)) {}

  // The warning to log now, or "" when none is due: due while the credential
  // is expired or expires within kExpiryWarningDays days, and no warning was
  // returned in the last 24 hours of `now`.
  std::string DueWarning(std::chrono::system_clock::time_point now);

  // kWarning within kExpiryWarningDays days, kFailing once expired, kOk
  // otherwise (and without a known expiry), with cause and remedy;
  // credential_expires_unix_s set when known.
  notify::SenderHealth Health(std::chrono::system_clock::time_point now) const;

 private:
  const std::optional<CredentialExpiry> expiry_;
  std::mutex mutex_;
  std::optional<std::chrono::system_clock::time_point> last_warning_;
};

}  // namespace m365
