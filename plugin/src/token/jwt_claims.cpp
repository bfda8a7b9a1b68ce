// Decoding (not verifying) JWT claims with Poco::JWT::Token, which decodes
// the base64url header and payload into JSON objects and checks nothing
// else (see docs/microsoft-365.md, Access-token claims). Two checks stay
// ours, each for a stated reason: the split into exactly three parts (Poco
// accepts more), and the base64url alphabet (Poco's error says neither which
// part failed nor whether base64 or JSON did, and may quote the token).
#include "token/jwt_claims.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Serializer.h>
#include <Poco/JWT/Token.h>
#include <Poco/MemoryStream.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <sstream>

namespace m365 {
namespace {

// The fixed error texts: none of them quotes the token.
const char kNotJwt[] = "the access token is not a JWT (expected three dot-separated parts)";
const char kHeaderNotJson[] = "the access token's header is not base64url JSON";
const char kPayloadNotBase64Url[] = "the access token's payload is not base64url";
const char kPayloadNotObject[] = "the access token's payload is not a JSON object";
const char kPayloadNotJson[] = "the access token's payload is not valid JSON";
// What Poco::JWT says when a part is JSON but not an object.
const char kPocoNotObject[] = "String does not deserialize to a JSON object";

// RFC 4648 section 5 without padding, or with '=' padding at the end; a
// single character left over cannot encode a byte.
bool IsBase64Url(const std::string& text) {
  std::size_t end = text.find_last_not_of('=') + 1;  // npos + 1 == 0
  bool alphabet =
      std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      });
  return alphabet && end % 4 != 1 && text.size() - end <= 2;
}

// True when Poco::JWT decodes `part` into a JSON object.
bool DecodesToObject(const std::string& part) {
  try {
    return !Poco::JWT::Serializer::deserialize(part).isNull();
  } catch (const std::exception&) {  // Poco::Exception derives from it
    return false;
  }
}

std::string StringOf(const Poco::JSON::Object& obj, const std::string& key) {
  if (!obj.has(key)) return "";
  Poco::Dynamic::Var v = obj.get(key);
  return v.isString() ? v.convert<std::string>() : std::string();
}

// A string claim or an array of strings (other array elements are skipped).
std::vector<std::string> StringsOf(const Poco::JSON::Object& obj, const std::string& key) {
  std::vector<std::string> out;
  if (!obj.has(key)) return out;
  if (Poco::JSON::Array::Ptr array = obj.getArray(key)) {
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

std::string EncodeBase64Url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string DecodeBase64Url(const std::string& text, bool* ok) {
  *ok = IsBase64Url(text);
  if (!*ok) return "";
  try {
    Poco::MemoryInputStream in(text.data(), text.size());
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    return std::string(std::istreambuf_iterator<char>(decoder), {});
  } catch (const std::exception&) {
    *ok = false;
    return "";
  }
}

notify::sdk::StatusOr<JwtClaims> DecodeJwtClaims(const std::string& token) {
  using notify::sdk::Status;
  auto first = token.find('.');
  auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos) {
    return Status::Error(kNotJwt);
  }
  const std::string header = token.substr(0, first);
  const std::string payload = token.substr(first + 1, second - first - 1);
  if (!IsBase64Url(payload)) return Status::Error(kPayloadNotBase64Url);
  if (!IsBase64Url(header)) return Status::Error(kHeaderNotJson);
  try {
    const Poco::JWT::Token jwt(token);  // decodes; verifies nothing
    const Poco::JSON::Object& obj = jwt.payload();
    JwtClaims claims;
    claims.audiences = StringsOf(obj, "aud");
    claims.tenant_id = StringOf(obj, "tid");
    claims.app_id = StringOf(obj, "appid");
    if (claims.app_id.empty()) claims.app_id = StringOf(obj, "azp");
    claims.object_id = StringOf(obj, "oid");
    claims.issuer = StringOf(obj, "iss");
    claims.has_roles_claim = obj.has("roles");
    claims.roles = StringsOf(obj, "roles");
    if (obj.has("exp")) {
      Poco::Dynamic::Var exp = obj.get("exp");
      if (exp.isNumeric()) claims.expires_unix = exp.convert<Poco::Int64>();
    }
    return claims;
  } catch (const Poco::JWT::ParseException& e) {
    // Poco's text may quote the token (its "Not a valid JWT" does): say
    // only which part failed, in our words.
    if (!DecodesToObject(header)) return Status::Error(kHeaderNotJson);
    return Status::Error(e.message() == kPocoNotObject ? kPayloadNotObject : kPayloadNotJson);
  } catch (const std::exception&) {  // e.g. an `exp` out of range
    return Status::Error(kPayloadNotJson);
  }
}

}  // namespace m365
