// The certificate credential's file checks and its client assertion, with
// certificates made at run time (never committed).
#include "credential/client_certificate.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "credential/client_assertion.hpp"
#include "m365emu/client_certificates.hpp"
#include "token/jwt_claims.hpp"

namespace {

using m365::ClientCertificate;
using std::chrono::system_clock;

class ClientCertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.createDirectories();
    good_ = m365emu::MakeClientCertificate(dir_.path(), "good");
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), 0600);
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string MessageOf(const std::string& path) {
    auto loaded = ClientCertificate::Load(path);
    EXPECT_FALSE(loaded.ok());
    return loaded.ok() ? "" : loaded.status().message() + " | " + loaded.status().remedy();
  }

  Poco::TemporaryFile dir_;
  m365emu::ClientCertificateFiles good_;
};

TEST_F(ClientCertificateTest, LoadsACertificateWithItsKey) {
  auto loaded = ClientCertificate::Load(good_.pem_file);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const auto& facts = loaded.value()->facts();
  EXPECT_EQ(facts.sha1_thumbprint.size(), 40u);
  EXPECT_EQ(facts.x5t_s256.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_NE(facts.subject.find("CN=good"), std::string::npos);
  EXPECT_LT(facts.not_before, facts.not_after);
}

TEST_F(ClientCertificateTest, NamesAMissingFile) {
  EXPECT_NE(MessageOf(Path("none.pem")).find("no file"), std::string::npos);
}

TEST_F(ClientCertificateTest, RefusesAFileWithoutPem) {
  Write(Path("text.pem"), "not a certificate\n");
  EXPECT_NE(MessageOf(Path("text.pem")).find("no PEM certificate"), std::string::npos);
}

TEST_F(ClientCertificateTest, RefusesACertificateWithoutKey) {
  EXPECT_NE(MessageOf(good_.cert_file).find("no private key"), std::string::npos);
}

TEST_F(ClientCertificateTest, RefusesAKeyOfAnotherCertificate) {
  auto other = m365emu::MakeClientCertificate(dir_.path(), "other");
  Write(Path("mixed.pem"), Read(good_.cert_file) + Read(other.key_file));
  EXPECT_NE(MessageOf(Path("mixed.pem")).find("does not belong"), std::string::npos);
}

TEST_F(ClientCertificateTest, RefusesAnEcKey) {
  m365emu::ClientCertificateOptions ec;
  ec.rsa = false;
  auto files = m365emu::MakeClientCertificate(dir_.path(), "ec", ec);
  EXPECT_NE(MessageOf(files.pem_file).find("not an RSA key"), std::string::npos);
}

TEST_F(ClientCertificateTest, RefusesAnEncryptedKeyWithoutAskingForAPassphrase) {
  FILE* in = std::fopen(good_.key_file.c_str(), "r");
  ASSERT_NE(in, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  ASSERT_NE(key, nullptr);
  FILE* out = std::fopen(Path("encrypted.pem").c_str(), "w");
  PEM_write_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                            const_cast<char*>("pass phrase"));
  std::fclose(out);
  EVP_PKEY_free(key);
  Write(Path("both.pem"), Read(good_.cert_file) + Read(Path("encrypted.pem")));
  EXPECT_NE(MessageOf(Path("both.pem")).find("encrypted"), std::string::npos);
}

TEST_F(ClientCertificateTest, SaysWhenTheCertificateHasExpiredOrIsNotYetValid) {
  auto facts = ClientCertificate::Load(good_.pem_file).value()->facts();
  EXPECT_TRUE(m365::CheckValidity(facts, system_clock::now()).ok());
  auto expired = m365::CheckValidity(facts, facts.not_after + std::chrono::seconds(1));
  EXPECT_NE(expired.message().find("expired on"), std::string::npos);
  EXPECT_NE(expired.remedy().find("Certificates & secrets"), std::string::npos);
  auto early = m365::CheckValidity(facts, facts.not_before - std::chrono::hours(1));
  EXPECT_NE(early.message().find("not valid before"), std::string::npos);
}

TEST_F(ClientCertificateTest, TellsAKeyFileOthersMayRead) {
  EXPECT_FALSE(m365::ReadableByOthers(good_.pem_file));
  ::chmod(good_.pem_file.c_str(), 0644);
  EXPECT_TRUE(m365::ReadableByOthers(good_.pem_file));
}

// Verifies a PS256 signature with the certificate's public key, as Entra does.
bool VerifiesWithCertificate(const std::string& cert_file, const std::string& input,
                             const std::string& signature) {
  FILE* f = std::fopen(cert_file.c_str(), "r");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  EVP_PKEY* key = X509_get_pubkey(cert);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, key);
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
  bool ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok;
}

Poco::JSON::Object::Ptr Part(const std::string& text) {
  bool ok = false;
  std::string json = m365::DecodeBase64Url(text, &ok);
  EXPECT_TRUE(ok);
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

TEST_F(ClientCertificateTest, AssertionIsAPs256JwtForTheTokenUrlSignedByTheKey) {
  auto cert = ClientCertificate::Load(good_.pem_file).value();
  const auto now = system_clock::from_time_t(1893456000);
  const std::string url = "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token";
  auto jwt = m365::MakeClientAssertion(*cert, url, "client-1", now);
  ASSERT_TRUE(jwt.ok());
  const std::string& text = jwt.value();
  auto dot1 = text.find('.');
  auto dot2 = text.rfind('.');
  auto header = Part(text.substr(0, dot1));
  auto claims = Part(text.substr(dot1 + 1, dot2 - dot1 - 1));
  EXPECT_EQ(header->getValue<std::string>("alg"), "PS256");
  EXPECT_EQ(header->getValue<std::string>("typ"), "JWT");
  EXPECT_EQ(header->getValue<std::string>("x5t#S256"), cert->facts().x5t_s256);
  EXPECT_EQ(claims->getValue<std::string>("aud"), url);
  EXPECT_EQ(claims->getValue<std::string>("iss"), "client-1");
  EXPECT_EQ(claims->getValue<std::string>("sub"), "client-1");
  EXPECT_EQ(claims->getValue<long long>("nbf"), 1893456000);
  EXPECT_EQ(claims->getValue<long long>("iat"), 1893456000);
  EXPECT_EQ(claims->getValue<long long>("exp"), 1893456000 + 300);
  bool ok = false;
  std::string signature = m365::DecodeBase64Url(text.substr(dot2 + 1), &ok);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(VerifiesWithCertificate(good_.cert_file, text.substr(0, dot2), signature));
  // The private key's text never appears in what is sent.
  EXPECT_EQ(text.find("PRIVATE"), std::string::npos);
}

TEST_F(ClientCertificateTest, EveryAssertionHasItsOwnJti) {
  auto cert = ClientCertificate::Load(good_.pem_file).value();
  auto a =
      m365::MakeClientAssertion(*cert, "https://x/t/oauth2/v2.0/token", "c", system_clock::now());
  auto b =
      m365::MakeClientAssertion(*cert, "https://x/t/oauth2/v2.0/token", "c", system_clock::now());
  auto jti = [](const std::string& jwt) {
    auto dot1 = jwt.find('.');
    return Part(jwt.substr(dot1 + 1, jwt.rfind('.') - dot1 - 1))->getValue<std::string>("jti");
  };
  EXPECT_NE(jti(a.value()), jti(b.value()));
}

}  // namespace
