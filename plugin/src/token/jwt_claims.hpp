#pragma once
// Reads the claims of an access token (docs/microsoft-365.md, Access-token
// claims). The token is decoded, never verified: validation only explains
// what Microsoft issued.
#include <cstdint>
#include <string>
#include <vector>

#include "notify/sdk/status.hpp"

namespace m365 {

// The claims validation reads, as found in the token (unverified).
struct JwtClaims {
  std::vector<std::string> audiences;  // `aud` (a string or an array in JWTs)
  std::string tenant_id;               // `tid`
  std::string app_id;                  // `appid` (v1 tokens), else `azp` (v2 tokens)
  std::string object_id;               // `oid`: the service principal (Enterprise application)
  std::string issuer;                  // `iss`
  std::vector<std::string> roles;      // `roles`; empty when the claim is absent
  bool has_roles_claim = false;        // true when `roles` is present (even if empty)
  std::int64_t expires_unix = 0;       // `exp`, 0 when absent

  // True when `roles` contains `role` (exact, case-sensitive like Entra ID).
  bool HasRole(const std::string& role) const;
  // True when `audience` is one of `aud` (a trailing '/' is ignored).
  bool HasAudience(const std::string& audience) const;
};

// Decodes the payload of a compact JWT (header.payload.signature) with
// Poco::JWT::Token; the signature is not checked. Error when the token has
// not three parts, or its header or payload is not base64url JSON (the
// payload must be an object). Never throws; the error text is one of a few
// fixed texts and never contains the token.
notify::sdk::StatusOr<JwtClaims> DecodeJwtClaims(const std::string& token);

// `bytes` in base64url (RFC 4648 section 5) without padding, on one line: the
// encoding of a JWT's parts.
std::string EncodeBase64Url(const std::string& bytes);

// Decodes base64url (RFC 4648 section 5), padding optional; "" with
// *ok=false on a character outside the base64url alphabet or a bad length.
std::string DecodeBase64Url(const std::string& text, bool* ok);

}  // namespace m365
