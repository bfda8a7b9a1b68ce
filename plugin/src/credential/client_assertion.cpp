// Poco::JSON for the two JSON parts and Poco's base64url; the signature comes
// from ClientCertificate, since Poco 1.11's JWT signer has no PS256.
#include "credential/client_assertion.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/UUIDGenerator.h>

#include <sstream>

#include "token/jwt_claims.hpp"

namespace m365 {
namespace {

std::string Json(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

}  // namespace

notify::sdk::StatusOr<std::string> MakeClientAssertion(const ClientCertificate& certificate,
                                                       const std::string& token_url,
                                                       const std::string& client_id,
                                                       std::chrono::system_clock::time_point now) {
  const auto nbf = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Poco::JSON::Object header(Poco::JSON_PRESERVE_KEY_ORDER);
  header.set("alg", std::string("PS256"));
  header.set("typ", std::string("JWT"));
  header.set("x5t#S256", certificate.facts().x5t_s256);
  Poco::JSON::Object claims(Poco::JSON_PRESERVE_KEY_ORDER);
  claims.set("aud", token_url);
  claims.set("iss", client_id);
  claims.set("sub", client_id);
  claims.set("jti", Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
  claims.set("nbf", static_cast<Poco::Int64>(nbf));
  claims.set("iat", static_cast<Poco::Int64>(nbf));
  claims.set("exp", static_cast<Poco::Int64>(nbf + kAssertionLifetime.count()));
  const std::string signing_input =
      EncodeBase64Url(Json(header)) + "." + EncodeBase64Url(Json(claims));
  auto signature = certificate.SignPs256(signing_input);
  if (!signature.ok()) return signature.status();
  return signing_input + "." + EncodeBase64Url(signature.value());
}

}  // namespace m365
