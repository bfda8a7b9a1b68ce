#include "settings/credential_checks.hpp"

#include <algorithm>

#include "credential/client_certificate.hpp"
#include "credential/credential_expiry.hpp"
#include "notify/sdk/settings.hpp"
#include "settings/raw_setting.hpp"

namespace m365 {
namespace {

using notify::FieldIssue;
using notify::Severity;
using notify::sdk::HasErrorFor;

void CheckSecretCredential(const notify::Settings& settings, std::vector<FieldIssue>& issues,
                           std::chrono::system_clock::time_point now) {
  if (RawSetting(settings, "client_secret").empty() && !HasErrorFor(issues, "client_secret")) {
    issues.push_back({"client_secret", Severity::kError,
                      "Client Secret: required with credential = secret",
                      "Paste the secret's Value from App registrations > your app > "
                      "Certificates & secrets, or choose credential = certificate."});
  }
  const std::string date = RawSetting(settings, "secret_expires");
  if (date.empty() || HasErrorFor(issues, "secret_expires")) return;
  auto expires = ParseExpiryDate(date);
  if (!expires) {
    issues.push_back({"secret_expires", Severity::kError,
                      "Client secret expires: '" + date + "' is not a date as YYYY-MM-DD",
                      "Enter the \"Expires\" date shown beside the secret under Certificates & "
                      "secrets as YYYY-MM-DD, e.g. 2027-03-31, or leave the field empty."});
    return;
  }
  if (auto issue = ExpiryIssue(SecretExpiry(*expires), now)) issues.push_back(*issue);
}

void CheckCertificateCredential(const notify::Settings& settings, std::vector<FieldIssue>& issues,
                                std::chrono::system_clock::time_point now) {
  if (!RawSetting(settings, "client_secret").empty()) {
    issues.push_back({"client_secret", Severity::kWarning,
                      "Client Secret: not used with credential = certificate",
                      "Leave Client Secret empty, or choose credential = secret."});
  }
  const std::string path = RawSetting(settings, "certificate_file");
  if (HasErrorFor(issues, "certificate_file")) return;
  if (path.empty()) {
    issues.push_back({"certificate_file", Severity::kError,
                      "Certificate: required with credential = certificate",
                      "Give the path of the PEM file with the certificate and its private key, "
                      "or choose credential = secret."});
    return;
  }
  auto loaded = ClientCertificate::Load(path);
  if (!loaded.ok()) {
    issues.push_back({"certificate_file", Severity::kError, loaded.status().message(),
                      loaded.status().remedy()});
    return;
  }
  const CertificateFacts& facts = loaded.value()->facts();
  notify::sdk::Status valid = CheckValidity(facts, now);
  if (!valid.ok()) {
    issues.push_back({"certificate_file", Severity::kError, valid.message(), valid.remedy()});
    return;
  }
  if (auto issue = ExpiryIssue(CertificateExpiry(facts), now)) issues.push_back(*issue);
  if (ReadableByOthers(path)) {
    issues.push_back(
        {"certificate_file", Severity::kWarning,
         "Certificate: '" + path + "' holds a private key and may be read by other users",
         "chmod 600 '" + path + "' (owned by the host's service account)."});
  }
}

}  // namespace

void CheckCredential(const notify::Settings& settings, std::vector<FieldIssue>& issues,
                     std::chrono::system_clock::time_point now) {
  if (HasErrorFor(issues, "credential")) return;
  if (RawSetting(settings, "credential") == "certificate") {
    CheckCertificateCredential(settings, issues, now);
  } else {
    CheckSecretCredential(settings, issues, now);
  }
}

}  // namespace m365
