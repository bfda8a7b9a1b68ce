// RS256 access tokens shaped like Entra ID v1 app-only tokens (docs/microsoft-365.md, Access-token
// claims).
#pragma once

#include <Poco/Crypto/RSAKey.h>
#include <Poco/SharedPtr.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace m365emu::detail {

struct TokenClaims {
  std::string tenant_id;
  std::string client_id;
  std::string app_display_name;
  std::string object_id;  // service principal object id (oid, sub)
  std::string audience;
  std::vector<std::string> roles;  // empty: no roles claim
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  bool certificate = false;  // signed in with a client assertion (appidacr 2)
};

// Claims read back from a token whose signature verified.
struct VerifiedToken {
  std::string audience;
  std::string issuer;
  std::string tenant_id;
  std::string client_id;  // appid
  std::vector<std::string> roles;
  std::int64_t expires_at = 0;
  std::int64_t not_before = 0;
};

class TokenService {
 public:
  TokenService();  // generates a 2048-bit RSA key; throws on failure
  std::string Mint(const TokenClaims& claims) const;
  // Verifies an RS256 signature made by this key; nullopt when the string is
  // not a JWT, uses another algorithm, or the signature does not match.
  std::optional<VerifiedToken> Verify(const std::string& jwt) const;
  // {"keys":[{"kty":"RSA","use":"sig","kid":...,"n":...,"e":...}]}
  std::string JwksJson() const;
  const std::string& kid() const { return kid_; }

 private:
  Poco::SharedPtr<Poco::Crypto::RSAKey> key_;
  std::string kid_;
};

}  // namespace m365emu::detail
