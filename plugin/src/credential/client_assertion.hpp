#pragma once
// The client assertion a certificate credential sends instead of a secret
// (docs/microsoft-365.md, Certificate credentials): a JWT signed PS256 with
// the certificate's key. A new one for every token request.
#include <chrono>
#include <string>

#include "credential/client_certificate.hpp"
#include "notify/sdk/status.hpp"

namespace m365 {

// How long an assertion is valid after its nbf: short, as Microsoft
// recommends (5-10 minutes).
inline constexpr std::chrono::seconds kAssertionLifetime{300};

// The header {"alg":"PS256","typ":"JWT","x5t#S256":...} and the claims aud =
// `token_url`, iss = sub = `client_id`, a random jti, nbf = iat = `now`,
// exp = now + kAssertionLifetime, signed with `certificate`'s key:
// "<header>.<claims>.<signature>", base64url without padding. Fails only when
// signing fails.
notify::sdk::StatusOr<std::string> MakeClientAssertion(const ClientCertificate& certificate,
                                                       const std::string& token_url,
                                                       const std::string& client_id,
                                                       std::chrono::system_clock::time_point now);

}  // namespace m365
