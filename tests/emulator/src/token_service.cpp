#include "token_service.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/SHA1Engine.h>

#include <sstream>
#include <stdexcept>

#include "util.hpp"

namespace m365emu::detail {
namespace {

std::string Bytes(const std::vector<unsigned char>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

TokenService::TokenService()
    : key_(new Poco::Crypto::RSAKey(Poco::Crypto::RSAKey::KL_2048,
                                    Poco::Crypto::RSAKey::EXP_LARGE)) {
  // Entra puts the base64url SHA-1 thumbprint of the signing certificate in
  // kid and x5t; a digest of the modulus gives the same shape.
  Poco::SHA1Engine sha1;
  auto n = key_->modulus();
  sha1.update(n.data(), n.size());
  auto d = sha1.digest();
  kid_ = Base64UrlEncode(Bytes(d));
}

std::string TokenService::Mint(const TokenClaims& c) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.header().set("x5t", kid_);
  token.header().set("kid", kid_);
  const std::string issuer = "https://sts.windows.net/" + c.tenant_id + "/";
  token.setAudience(c.audience);
  token.setIssuer(issuer);
  token.setIssuedAt(Poco::Timestamp::fromEpochTime(c.issued_at));
  token.setNotBefore(Poco::Timestamp::fromEpochTime(c.issued_at));
  token.setExpiration(Poco::Timestamp::fromEpochTime(c.expires_at));
  auto& p = token.payload();
  p.set("aio", Base64UrlEncode(NewGuid() + NewGuid()).substr(0, 56));
  p.set("app_displayname", c.app_display_name);
  p.set("appid", c.client_id);
  p.set("appidacr", std::string(c.certificate ? "2" : "1"));  // 1 = client secret, 2 = certificate
  p.set("azp", c.client_id);
  p.set("idp", issuer);
  p.set("idtyp", std::string("app"));
  p.set("oid", c.object_id);
  p.set("rh", std::string("0.AAAA") + Base64UrlEncode(NewGuid()).substr(0, 40) + ".");
  if (!c.roles.empty()) {
    Poco::JSON::Array::Ptr roles = new Poco::JSON::Array;
    for (const auto& r : c.roles) roles->add(r);
    p.set("roles", roles);
  }
  token.setSubject(c.object_id);
  p.set("tid", c.tenant_id);
  p.set("uti", Base64UrlEncode(NewGuid()).substr(0, 22));
  p.set("ver", std::string("1.0"));
  Poco::JWT::Signer signer(key_);
  return signer.sign(token, Poco::JWT::Signer::ALGO_RS256);
}

std::optional<VerifiedToken> TokenService::Verify(const std::string& jwt) const {
  try {
    // RS256 only: Poco's default set is HS256, which with no HMAC key would
    // accept tokens anyone can forge; "none" is refused as well.
    Poco::JWT::Signer signer(key_);
    signer.setAlgorithms({Poco::JWT::Signer::ALGO_RS256});
    Poco::JWT::Token token;
    if (!signer.tryVerify(jwt, token)) return std::nullopt;
    VerifiedToken v;
    auto aud = token.getAudience();
    if (aud.size() == 1) v.audience = aud[0];
    v.issuer = token.getIssuer();
    const auto& p = token.payload();
    v.tenant_id = p.optValue<std::string>("tid", "");
    v.client_id = p.optValue<std::string>("appid", "");
    if (p.has("roles") && p.isArray("roles")) {
      auto roles = p.getArray("roles");
      for (std::size_t i = 0; i < roles->size(); ++i)
        v.roles.push_back(roles->getElement<std::string>(static_cast<unsigned>(i)));
    }
    v.expires_at = token.getExpiration().epochTime();
    v.not_before = token.getNotBefore().epochTime();
    if (!p.has("exp")) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string TokenService::JwksJson() const {
  Poco::JSON::Object::Ptr k = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  k->set("kty", std::string("RSA"));
  k->set("use", std::string("sig"));
  k->set("kid", kid_);
  k->set("x5t", kid_);
  k->set("n", Base64UrlEncode(Bytes(key_->modulus())));
  k->set("e", Base64UrlEncode(Bytes(key_->encryptionExponent())));
  Poco::JSON::Array::Ptr keys = new Poco::JSON::Array;
  keys->add(k);
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("keys", keys);
  std::ostringstream out;
  root->stringify(out);
  return out.str();
}

}  // namespace m365emu::detail
