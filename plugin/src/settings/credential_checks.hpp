#pragma once
// The credential settings' checks (docs/channel-settings.md, Certificate
// credential and Credential expiry): credential, client_secret,
// secret_expires and certificate_file, at a given time, no network.
#include <chrono>
#include <vector>

#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace m365 {

// Appends every problem of the credential settings at `now`: with credential
// = secret, a missing client_secret and an unreadable secret_expires are
// errors, an expiry within 30 days a warning, an expired one an error; with
// credential = certificate, a missing or unusable certificate_file (see
// ClientCertificate::Load), a certificate outside its validity period are
// errors, one expiring within 30 days or a key file readable by group or
// others a warning, and a client_secret given anyway a warning. Fields that
// already have an error in `issues` are skipped.
void CheckCredential(const notify::Settings& settings, std::vector<notify::FieldIssue>& issues,
                     std::chrono::system_clock::time_point now);

}  // namespace m365
