// libFuzzer: access-token claim decoding. Byte 0 even: the input is the
// token itself; odd: the input is the payload JSON, wrapped into a token so
// that the JSON parser sees it directly. Decoding never throws, and an error
// is one of a few fixed texts (it never quotes the token).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "token/jwt_claims.hpp"

namespace {

std::string Base64Url(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int group = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    group = (group << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(group >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(group << (6 - bits)) & 0x3F];
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token =
      (data[0] & 1) != 0 ? "eyJhbGciOiJSUzI1NiJ9." + Base64Url(input) + ".c2ln" : input;
  auto claims = m365::DecodeJwtClaims(token);
  if (claims.ok()) {
    for (const auto& a : claims->audiences) (void)claims->HasAudience(a);
    for (const auto& r : claims->roles) {
      if (!claims->HasRole(r)) __builtin_trap();
    }
    if (!claims->roles.empty() && !claims->has_roles_claim) __builtin_trap();
  } else {
    // One of the fixed texts: nothing of the token is ever quoted.
    static const std::set<std::string> kErrors = {
        "the access token is not a JWT (expected three dot-separated parts)",
        "the access token's header is not base64url JSON",
        "the access token's payload is not base64url",
        "the access token's payload is not a JSON object",
        "the access token's payload is not valid JSON"};
    if (kErrors.count(claims.status().message()) == 0) __builtin_trap();
  }
  bool ok = false;
  std::string decoded = m365::DecodeBase64Url(input, &ok);
  if (!ok && !decoded.empty()) __builtin_trap();
  if (ok && decoded.size() > input.size()) __builtin_trap();
  return 0;
}
