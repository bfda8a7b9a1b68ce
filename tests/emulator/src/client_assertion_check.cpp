// OpenSSL for the signature and the certificates, Poco JSON for the parts:
// Poco 1.11's JWT verifier has no PS256.
#include "client_assertion_check.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <vector>

#include "util.hpp"

namespace m365emu::detail {
namespace {

// Entra tolerates a few minutes of clock difference [unconfirmed: 5 min].
constexpr std::int64_t kSkewSeconds = 300;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

bool FromBase64Url(std::string text, std::string* out) {
  for (char& c : text) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return false;
  }
  while (text.size() % 4 != 0) text.push_back('=');
  return Base64Decode(text, out);
}

Poco::JSON::Object::Ptr ParseObject(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    auto v = parser.parse(json);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
    return v.extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string Digest(const std::string& der, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(der.data(), der.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::int64_t ToUnix(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

struct Registered {
  std::unique_ptr<X509, X509Free> cert;
  std::string sha256;  // raw digest of the DER
  std::string sha1;
};

std::vector<Registered> LoadCertificates(const App& app) {
  std::vector<Registered> out;
  for (const auto& pem : app.certificates) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!x) continue;
    Registered r;
    r.cert.reset(x);
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    if (n <= 0) continue;
    std::string d(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    r.sha256 = Digest(d, EVP_sha256());
    r.sha1 = Digest(d, EVP_sha1());
    out.push_back(std::move(r));
  }
  return out;
}

bool VerifySignature(X509* cert, const std::string& alg, const std::string& input,
                     const std::string& signature) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(X509_get_pubkey(cert));
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) return false;
  if (alg == "PS256") {
    // RFC 7518 3.5: PSS with MGF1-SHA256 and a 32-byte salt.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1)
      return false;
  } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

AssertionVerdict Refuse(long code, std::string text) {
  AssertionVerdict v;
  v.code = code;
  v.text = std::move(text);
  if (code == 700024 || code == 1000502) v.http_status = 400;
  return v;
}

std::int64_t IntClaim(const Poco::JSON::Object::Ptr& o, const char* key, bool* ok) {
  if (!o->has(key)) {
    *ok = false;
    return 0;
  }
  auto v = o->get(key);
  if (!v.isNumeric()) {
    *ok = false;
    return 0;
  }
  return v.convert<std::int64_t>();
}

}  // namespace

bool JtiRegister::Use(const std::string& jti, std::int64_t expires_at, std::int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = used_.begin(); it != used_.end();) {
    it = it->second + kSkewSeconds < now ? used_.erase(it) : std::next(it);
  }
  return used_.emplace(jti, expires_at).second;
}

AssertionVerdict CheckClientAssertion(const std::string& assertion, const App& app,
                                      const std::string& client_id,
                                      const std::string& expected_audience, std::int64_t now,
                                      JtiRegister& jtis) {
  const auto dot1 = assertion.find('.');
  const auto dot2 = dot1 == std::string::npos ? dot1 : assertion.find('.', dot1 + 1);
  std::string header_json, claims_json, signature;
  if (dot2 == std::string::npos || assertion.find('.', dot2 + 1) != std::string::npos ||
      !FromBase64Url(assertion.substr(0, dot1), &header_json) ||
      !FromBase64Url(assertion.substr(dot1 + 1, dot2 - dot1 - 1), &claims_json) ||
      !FromBase64Url(assertion.substr(dot2 + 1), &signature)) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "assertion is not a compact JWS.)");
  }
  auto header = ParseObject(header_json);
  auto claims = ParseObject(claims_json);
  if (!header || !claims) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "assertion's header or payload is not JSON.)");
  }
  const std::string alg = header->optValue<std::string>("alg", "");
  if (alg != "PS256" && alg != "RS256") {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "algorithm '" +
                      alg + "' is not supported; use PS256.)");
  }
  std::string x5t_s256, x5t;
  if (header->has("x5t#S256") &&
      !FromBase64Url(header->optValue<std::string>("x5t#S256", ""), &x5t_s256))
    x5t_s256.clear();
  if (header->has("x5t") && !FromBase64Url(header->optValue<std::string>("x5t", ""), &x5t))
    x5t.clear();
  if (x5t_s256.empty() && x5t.empty()) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the header "
                  "names no key: x5t#S256 or x5t is required.)");
  }
  const std::string sent = !x5t_s256.empty() ? Hex(x5t_s256) : Hex(x5t);
  const Registered* key = nullptr;
  auto registered = LoadCertificates(app);
  for (const auto& r : registered) {
    if ((!x5t_s256.empty() && r.sha256 == x5t_s256) || (x5t_s256.empty() && r.sha1 == x5t))
      key = &r;
  }
  if (!key) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - The key was "
                  "not found., Thumbprint of key used by client: '" +
                      sent +
                      "', Please visit the Azure Portal, Graph Explorer or directly use MS "
                      "Graph to see configured keys for app Id '" +
                      app.client_id + "'.)");
  }
  const std::string input = assertion.substr(0, dot2);
  if (!VerifySignature(key->cert.get(), alg, input, signature)) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - The "
                  "signature does not match the key with thumbprint '" +
                      sent + "'.)");
  }
  const std::int64_t cert_from = ToUnix(X509_get0_notBefore(key->cert.get()));
  const std::int64_t cert_to = ToUnix(X509_get0_notAfter(key->cert.get()));
  if (now < cert_from || now > cert_to) {
    return Refuse(1000502, "The provided certificate with thumbprint '" + sent +
                               "' is not within its validity period: valid from " +
                               AadTimestamp(cert_from) + " to " + AadTimestamp(cert_to) + ".");
  }
  const std::string aud = claims->optValue<std::string>("aud", "");
  if (aud != expected_audience) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - The "
                  "audience claim '" +
                      aud + "' is not the token endpoint '" + expected_audience + "'.)");
  }
  const std::string iss = ToLower(claims->optValue<std::string>("iss", ""));
  const std::string sub = ToLower(claims->optValue<std::string>("sub", ""));
  if (iss != client_id || sub != client_id) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - iss and sub "
                  "must both be the client ID '" +
                      client_id + "'.)");
  }
  bool has_exp = true, has_nbf = true;
  const std::int64_t exp = IntClaim(claims, "exp", &has_exp);
  std::int64_t nbf = IntClaim(claims, "nbf", &has_nbf);
  if (!has_exp) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "assertion has no exp claim.)");
  }
  if (!has_nbf) nbf = exp - 600;
  if (now + kSkewSeconds < nbf || now - kSkewSeconds >= exp) {
    return Refuse(700024, "Client assertion is not within its valid time range. Current time: " +
                              AadTimestamp(now) + ", assertion valid from " + AadTimestamp(nbf) +
                              ", expiry time of assertion " + AadTimestamp(exp) + ".");
  }
  const std::string jti = claims->optValue<std::string>("jti", "");
  if (jti.empty()) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "assertion has no jti claim.)");
  }
  // Replay: the code Entra uses is not documented [unconfirmed]; 700027 is
  // its code for an assertion it does not accept.
  if (!jtis.Use(jti, exp, now)) {
    return Refuse(700027,
                  "Client assertion failed signature validation. (Reason - the "
                  "assertion's jti '" +
                      jti + "' was already used.)");
  }
  AssertionVerdict ok;
  ok.ok = true;
  return ok;
}

}  // namespace m365emu::detail
