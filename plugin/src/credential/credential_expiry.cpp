#include "credential/credential_expiry.hpp"

#include <cstdio>
#include <ctime>

namespace m365 {
namespace {

using std::chrono::system_clock;

std::string DateOf(system_clock::time_point t) {
  std::time_t seconds = system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::string Days(long n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

std::string Sentence(const CredentialExpiry& e, system_clock::time_point now) {
  long days = DaysLeft(e, now);
  if (now >= e.expires) return e.what + " expired on " + DateOf(e.expires);
  return e.what + " expires on " + DateOf(e.expires) + " (in " + Days(days) + ")";
}

}  // namespace

std::optional<system_clock::time_point> ParseExpiryDate(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || y < 2000 || y > 9999 || m < 1 || m > 12 || d < 1 ||
      d > 31)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  std::time_t t = timegm(&tm);
  // timegm normalises 2027-02-30 into March: refuse a day the month lacks.
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != m - 1) return std::nullopt;
  return system_clock::from_time_t(t);
}

CredentialExpiry SecretExpiry(system_clock::time_point expires) {
  return {"secret_expires", "The client secret", expires,
          "In the Microsoft Entra admin center > Identity > Applications > App registrations > "
          "your app > Certificates & secrets, choose \"New client secret\", paste its Value into "
          "Client Secret, enter its \"Expires\" date into Client secret expires and Save; then "
          "delete the old secret there. (A certificate credential avoids pasting secrets: "
          "credential = certificate.)",
          "AADSTS7000222"};
}

CredentialExpiry CertificateExpiry(const CertificateFacts& facts) {
  return {"certificate_file", "The certificate (thumbprint " + facts.sha1_thumbprint + ")",
          facts.not_after,
          "Create a new certificate and key (openssl req -x509 -newkey rsa:2048 -sha256 -days "
          "365 -nodes ...), upload the new certificate under App registrations > your app > "
          "Certificates & secrets > Certificates, point certificate_file at the new PEM file "
          "and Save; then delete the old certificate there.",
          "AADSTS1000502"};
}

long DaysLeft(const CredentialExpiry& expiry, system_clock::time_point now) {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(expiry.expires - now).count();
  constexpr long kDay = 24 * 3600;
  // Rounded down, also below zero: one second after expiry is day -1.
  return left >= 0 ? left / kDay : -((-left + kDay - 1) / kDay);
}

std::optional<notify::FieldIssue> ExpiryIssue(const CredentialExpiry& expiry,
                                              system_clock::time_point now) {
  if (now >= expiry.expires) {
    return notify::FieldIssue{
        expiry.field, notify::Severity::kError,
        Sentence(expiry, now) + "; Microsoft refuses it (" + expiry.refusal + ")", expiry.renew};
  }
  if (DaysLeft(expiry, now) < kExpiryWarningDays) {
    return notify::FieldIssue{expiry.field, notify::Severity::kWarning,
                              Sentence(expiry, now) + "; mail stops then",
                              "Before then: " + expiry.renew};
  }
  return std::nullopt;
}

std::string ExpiryWatch::DueWarning(system_clock::time_point now) {
  if (!expiry_ || DaysLeft(*expiry_, now) >= kExpiryWarningDays) return "";
  std::lock_guard<std::mutex> lock(mutex_);
  if (last_warning_ && now - *last_warning_ < std::chrono::hours(24)) return "";
  last_warning_ = now;
  return Sentence(*expiry_, now) + ". " + (now >= expiry_->expires ? "" : "Before then: ") +
         expiry_->renew;
}

notify::SenderHealth ExpiryWatch::Health(system_clock::time_point now) const {
  notify::SenderHealth health;
  health.state = notify::HealthState::kOk;
  if (!expiry_) return health;
  health.credential_expires_unix_s =
      std::chrono::duration_cast<std::chrono::seconds>(expiry_->expires.time_since_epoch()).count();
  if (now >= expiry_->expires) {
    health.state = notify::HealthState::kFailing;
  } else if (DaysLeft(*expiry_, now) < kExpiryWarningDays) {
    health.state = notify::HealthState::kWarning;
  } else {
    return health;
  }
  health.cause = Sentence(*expiry_, now);
  health.remedy = expiry_->renew;
  return health;
}

}  // namespace m365
