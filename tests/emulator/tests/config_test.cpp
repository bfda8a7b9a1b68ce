// Config/Faults JSON and the generated TLS material.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "test_support.hpp"

namespace m365emu::testing {
namespace {

TEST(ConfigTest, DemoRoundTripsAndMatchesShippedFile) {
  Config demo = DemoConfig();
  EXPECT_EQ(Config::FromJson(demo.ToJson()).ToJson(), demo.ToJson());
  EXPECT_EQ(Config::FromJsonFile(M365EMU_DEMO_CONFIG).ToJson(), demo.ToJson());
  EXPECT_EQ(demo.tenant().id, kDemoTenantId);
  EXPECT_EQ(demo.app().secrets.at(0).id, kDemoSecretId);
  EXPECT_EQ(demo.limits.messages_per_minute, 30);
  EXPECT_EQ(demo.limits.connections_per_mailbox, 3);
  EXPECT_EQ(demo.limits.recipients_per_message, 500);
  EXPECT_EQ(demo.limits.max_message_bytes, 35u * 1024u * 1024u);
  EXPECT_EQ(demo.token_lifetime_seconds, 3599);
}

TEST(ConfigTest, RejectsUnknownKeysAndWrongTypes) {
  try {
    Config::FromJson(R"({"tenants":[{"id":"4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30","dmains":[]}]})");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tenants[0].dmains"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Config::FromJson(R"({"token_lifetime_seconds":"3599"})"), std::runtime_error);
  EXPECT_THROW(Config::FromJson("not json"), std::runtime_error);
  EXPECT_EQ(Config::FromJson(R"({"token_lifetime_seconds":3})").token_lifetime_seconds, 3);
}

TEST(ConfigTest, FaultsRoundTrip) {
  Faults f;
  f.smtp_certificate = CertFault::kUntrustedCa;
  f.smtp_rcpt_replies["x@example.org"] = "550 5.1.10 RESOLVER.ADR.RecipientNotFound";
  f.token_http_429_retry_after = 60;
  EXPECT_EQ(Faults::FromJson(f.ToJson()).ToJson(), f.ToJson());
  EXPECT_EQ(Faults::FromJson(R"({"faults":{"smtp_drop_mid_data":true}})").smtp_drop_mid_data, true);
  EXPECT_THROW(Faults::FromJson(R"({"smtp_certificate":"odd"})"), std::runtime_error);
}

// The localhost certificate names only DNS:localhost, so a client that checks
// host names must connect to "localhost", never to 127.0.0.1.
TEST(TlsMaterialTest, LocalhostCertificateHasNoIpSan) {
  TempDir dir;
  Emulator emu(DemoConfig(), dir.path());
  FILE* f = std::fopen((dir.path() + "/tls/localhost.pem").c_str(), "r");
  ASSERT_NE(f, nullptr);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  ASSERT_NE(cert, nullptr);
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  GENERAL_NAME* n = sk_GENERAL_NAME_value(names, 0);
  ASSERT_EQ(n->type, GEN_DNS);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName))),
            "localhost");
  GENERAL_NAMES_free(names);
  X509_free(cert);
  // Keys are private to the user running the tests.
  EXPECT_NE(ReadFile(emu.ca_file()).find("BEGIN CERTIFICATE"), std::string::npos);

  // curl by IP address must fail the name check (exit 60); by name it works.
  ProcessResult by_ip =
      RunProcess({"curl", "-sS", "--cacert", emu.ca_file(),
                  "https://127.0.0.1:" + std::to_string(emu.token_port()) + "/_emulator/stats"},
                 20);
  EXPECT_EQ(by_ip.exit_code, 60) << by_ip.output;
  ProcessResult by_name = RunProcess(
      {"curl", "-sS", "--cacert", emu.ca_file(), emu.authority() + "/_emulator/stats"}, 20);
  EXPECT_EQ(by_name.exit_code, 0) << by_name.output;
}

}  // namespace
}  // namespace m365emu::testing
