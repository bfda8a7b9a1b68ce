// Certificate credentials at the token endpoint (docs/microsoft-365.md,
// Certificate credentials): assertions built here with OpenSSL, not by the
// plugin, each broken in one way, each answered with its AADSTS code.
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <sstream>

#include "m365emu/client_certificates.hpp"
#include "test_support.hpp"

namespace m365emu::testing {
namespace {

std::string B64Url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder e(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  e.rdbuf()->setLineLength(0);
  e << bytes;
  e.close();
  return out.str();
}

std::string DerDigest(const std::string& cert_file, const EVP_MD* md) {
  FILE* f = std::fopen(cert_file.c_str(), "r");
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(der, static_cast<std::size_t>(n), out, &len, md, nullptr);
  OPENSSL_free(der);
  X509_free(x);
  return std::string(reinterpret_cast<char*>(out), len);
}

// One assertion's parts; each test breaks one.
struct Assertion {
  std::string alg = "PS256";
  std::string x5t_s256;  // base64url; empty: left out
  std::string x5t;       // base64url SHA-1; empty: left out
  std::string aud, iss, sub, jti;
  long long nbf = 0, exp = 0;
  std::string key_file;  // signs
};

std::string Sign(const Assertion& a) {
  Poco::JSON::Object h(Poco::JSON_PRESERVE_KEY_ORDER);
  h.set("alg", a.alg);
  h.set("typ", std::string("JWT"));
  if (!a.x5t_s256.empty()) h.set("x5t#S256", a.x5t_s256);
  if (!a.x5t.empty()) h.set("x5t", a.x5t);
  Poco::JSON::Object c(Poco::JSON_PRESERVE_KEY_ORDER);
  c.set("aud", a.aud);
  c.set("iss", a.iss);
  c.set("sub", a.sub);
  if (!a.jti.empty()) c.set("jti", a.jti);
  c.set("nbf", a.nbf);
  c.set("iat", a.nbf);
  c.set("exp", a.exp);
  std::ostringstream hs, cs;
  h.stringify(hs);
  c.stringify(cs);
  std::string input = B64Url(hs.str()) + "." + B64Url(cs.str());
  FILE* f = std::fopen(a.key_file.c_str(), "r");
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key);
  if (a.alg == "PS256") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  }
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(&sig[0]), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return input + "." + B64Url(sig);
}

std::string Form(const std::string& assertion) {
  std::string enc;
  Poco::URI::encode(assertion, "+/=&", enc);
  return "grant_type=client_credentials&client_id=" + std::string(kDemoClientId) +
         "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
         "&client_assertion=" +
         enc + "&scope=https%3A%2F%2Foutlook.office365.com%2F.default";
}

long CodeOf(const HttpResult& r) {
  Poco::JSON::Parser p;
  auto o = p.parse(r.body).extract<Poco::JSON::Object::Ptr>();
  if (!o->has("error_codes")) return 0;
  return o->getArray("error_codes")->getElement<long>(0);
}

class ClientAssertionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registered_ = MakeClientCertificate(dir_.path() + "/certs", "registered");
    Config c = DemoConfig();
    c.app().certificates.push_back(registered_.cert_pem);
    emu_ = std::make_unique<Emulator>(c, dir_.path());
  }
  Assertion Good() const {
    Assertion a;
    a.x5t_s256 = B64Url(DerDigest(registered_.cert_file, EVP_sha256()));
    a.aud = emu_->authority() + "/" + kDemoTenantId + "/oauth2/v2.0/token";
    a.iss = a.sub = kDemoClientId;
    a.jti = "jti-" + std::to_string(++jti_);
    a.nbf = static_cast<long long>(std::time(nullptr));
    a.exp = a.nbf + 300;
    a.key_file = registered_.key_file;
    return a;
  }
  HttpResult Post(const Assertion& a) {
    return HttpsRequest(*emu_, "POST", std::string("/") + kDemoTenantId + "/oauth2/v2.0/token",
                        Form(Sign(a)));
  }

  TempDir dir_;
  ClientCertificateFiles registered_;
  std::unique_ptr<Emulator> emu_;
  mutable int jti_ = 0;  // a new jti for every Good()
};

TEST_F(ClientAssertionTest, AGoodAssertionGetsATokenMarkedAsCertificateSignIn) {
  HttpResult r = Post(Good());
  ASSERT_EQ(r.status, 200) << r.body;
  Poco::JSON::Parser p;
  auto token =
      p.parse(r.body).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("access_token");
  EXPECT_NE(JwtPayload(token).find("\"appidacr\":\"2\""), std::string::npos);
}

TEST_F(ClientAssertionTest, TheOlderRs256WithSha1ThumbprintIsAccepted) {
  Assertion a = Good();
  a.alg = "RS256";
  a.x5t_s256.clear();
  a.x5t = B64Url(DerDigest(registered_.cert_file, EVP_sha1()));
  EXPECT_EQ(Post(a).status, 200);
}

TEST_F(ClientAssertionTest, AnUnregisteredCertificateIs700027NamingTheThumbprint) {
  auto other = MakeClientCertificate(dir_.path() + "/certs", "other");
  Assertion a = Good();
  a.x5t_s256 = B64Url(DerDigest(other.cert_file, EVP_sha256()));
  a.key_file = other.key_file;
  HttpResult r = Post(a);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(CodeOf(r), 700027);
  EXPECT_NE(r.body.find("The key was not found"), std::string::npos);
}

TEST_F(ClientAssertionTest, ASignatureByAnotherKeyIs700027) {
  auto other = MakeClientCertificate(dir_.path() + "/certs", "other");
  Assertion a = Good();
  a.key_file = other.key_file;  // the registered thumbprint, the wrong key
  EXPECT_EQ(CodeOf(Post(a)), 700027);
}

TEST_F(ClientAssertionTest, WrongAudienceIssuerOrSubjectIs700027) {
  Assertion a = Good();
  a.aud = "https://login.microsoftonline.com/" + std::string(kDemoTenantId) + "/oauth2/token";
  EXPECT_EQ(CodeOf(Post(a)), 700027);
  a = Good();
  a.iss = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(CodeOf(Post(a)), 700027);
  a = Good();
  a.sub = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(CodeOf(Post(a)), 700027);
  a = Good();
  a.alg = "HS256";
  EXPECT_EQ(CodeOf(Post(a)), 700027);
}

TEST_F(ClientAssertionTest, AnAssertionOutsideItsTimeIs700024) {
  Assertion a = Good();
  a.nbf += 3600;  // the client's clock an hour ahead
  a.exp += 3600;
  HttpResult r = Post(a);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(CodeOf(r), 700024);
  a = Good();
  a.nbf -= 3600;
  a.exp -= 3600;
  EXPECT_EQ(CodeOf(Post(a)), 700024);
}

TEST_F(ClientAssertionTest, AReusedJtiIsRefused) {
  Assertion a = Good();
  EXPECT_EQ(Post(a).status, 200);
  HttpResult again = Post(a);
  EXPECT_EQ(CodeOf(again), 700027);
  EXPECT_NE(again.body.find("already used"), std::string::npos);
}

TEST_F(ClientAssertionTest, ARegisteredCertificateOutsideItsValidityIs1000502) {
  ClientCertificateOptions expired;
  expired.not_before_offset_s = -10 * 86400;
  expired.not_after_offset_s = -86400;
  auto old = MakeClientCertificate(dir_.path() + "/certs", "old", expired);
  Config c = DemoConfig();
  c.app().certificates.push_back(old.cert_pem);
  emu_.reset();
  emu_ = std::make_unique<Emulator>(c, dir_.path());
  Assertion a = Good();
  a.x5t_s256 = B64Url(DerDigest(old.cert_file, EVP_sha256()));
  a.key_file = old.key_file;
  EXPECT_EQ(CodeOf(Post(a)), 1000502);
}

TEST_F(ClientAssertionTest, TheCertificatesRoundTripThroughTheConfigJson) {
  Config c = DemoConfig();
  c.app().certificates.push_back(registered_.cert_pem);
  EXPECT_EQ(Config::FromJson(c.ToJson()).app().certificates, c.app().certificates);
}

}  // namespace
}  // namespace m365emu::testing
