// Decoding (not verifying) JWT claims with Poco JSON.
#include "token/jwt_claims.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

namespace m365 {
namespace {

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

std::string StringOf(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  if (!obj->has(key)) return "";
  Poco::Dynamic::Var v = obj->get(key);
  return v.isString() ? v.convert<std::string>() : std::string();
}

std::vector<std::string> StringsOf(const Poco::JSON::Object::Ptr& obj, const std::string& key) {
  std::vector<std::string> out;
  if (!obj->has(key)) return out;
  if (Poco::JSON::Array::Ptr array = obj->getArray(key)) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      Poco::Dynamic::Var v = array->get(static_cast<unsigned int>(i));
      if (v.isString()) out.push_back(v.convert<std::string>());
    }
  } else {
    std::string one = StringOf(obj, key);
    if (!one.empty()) out.push_back(one);
  }
  return out;
}

std::string WithoutSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

bool JwtClaims::HasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool JwtClaims::HasAudience(const std::string& audience) const {
  return std::any_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
    return WithoutSlash(a) == WithoutSlash(audience);
  });
}

std::string DecodeBase64Url(const std::string& text, bool* ok) {
  std::string out;
  unsigned int buffer = 0;
  int bits = 0;
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  for (std::size_t i = 0; i < end; ++i) {
    int v = Base64UrlValue(text[i]);
    if (v < 0) {
      *ok = false;
      return "";
    }
    buffer = (buffer << 6) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  *ok = end % 4 != 1;  // one leftover character cannot encode a byte
  return *ok ? out : std::string();
}

notify::sdk::StatusOr<JwtClaims> DecodeJwtClaims(const std::string& token) {
  using notify::sdk::Status;
  auto first = token.find('.');
  auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    return Status::Error("the access token is not a JWT (expected three dot-separated parts)");
  }
  bool ok = false;
  std::string payload = DecodeBase64Url(token.substr(first + 1, second - first - 1), &ok);
  if (!ok) return Status::Error("the access token's payload is not base64url");
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(payload);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return Status::Error("the access token's payload is not a JSON object");
    }
    auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
    JwtClaims claims;
    claims.audiences = StringsOf(obj, "aud");
    claims.tenant_id = StringOf(obj, "tid");
    claims.app_id = StringOf(obj, "appid");
    if (claims.app_id.empty()) claims.app_id = StringOf(obj, "azp");
    claims.object_id = StringOf(obj, "oid");
    claims.issuer = StringOf(obj, "iss");
    claims.has_roles_claim = obj->has("roles");
    claims.roles = StringsOf(obj, "roles");
    if (obj->has("exp")) {
      Poco::Dynamic::Var exp = obj->get("exp");
      if (exp.isNumeric()) claims.expires_unix = exp.convert<Poco::Int64>();
    }
    return claims;
  } catch (const Poco::Exception&) {
    // The parser's message may quote the payload; say only what failed.
    return Status::Error("the access token's payload is not valid JSON");
  }
}

}  // namespace m365
