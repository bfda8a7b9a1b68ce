// Clients nobody here wrote: curl (token form post, SMTP with --oauth2-bearer)
// and Debian's python3 smtplib (STARTTLS + XOAUTH2 in both forms).
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace m365emu::testing {
namespace {

const char kPython[] = "/usr/bin/python3";

class PeersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emu_ = std::make_unique<Emulator>(DemoConfig(), dir_.path());
    mime_path_ = dir_.path() + "/message.eml";
    WriteFile(mime_path_, SimpleMime(kDemoMailbox, "peer"));
  }
  ProcessResult CurlToken(const std::string& secret) {
    return RunProcess(
        {"curl", "-sS", "--cacert", emu_->ca_file(), "-w", "\n%{http_code}", "--data-urlencode",
         "grant_type=client_credentials", "--data-urlencode",
         std::string("client_id=") + kDemoClientId, "--data-urlencode", "client_secret=" + secret,
         "--data-urlencode", "scope=https://outlook.office365.com/.default",
         emu_->token_url(kDemoTenantId)},
        20);
  }
  ProcessResult CurlSend(const std::string& token) {
    return RunProcess(
        {"curl", "-sS", "--ssl-reqd", "--url",
         "smtp://localhost:" + std::to_string(emu_->smtp_port()), "--mail-from", kDemoMailbox,
         "--mail-rcpt", "someone@example.org", "--oauth2-bearer", token, "--login-options",
         "AUTH=XOAUTH2", "--cacert", emu_->ca_file(), "--user", kDemoMailbox, "-T", mime_path_},
        20);
  }
  ProcessResult Python(const std::string& token, const std::string& mode) {
    return RunProcess(
        {kPython, std::string(M365EMU_PEERS_DIR) + "/smtplib_send.py", "--port",
         std::to_string(emu_->smtp_port()), "--ca", emu_->ca_file(), "--mailbox", kDemoMailbox,
         "--token", token, "--rcpt", "someone@example.org", "--file", mime_path_, "--mode", mode},
        20);
  }
  TempDir dir_;
  std::unique_ptr<Emulator> emu_;
  std::string mime_path_;
};

TEST_F(PeersTest, CurlFetchesTokenAndSendsMail) {
  ProcessResult r = CurlToken(kDemoSecretValue);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_NE(r.output.find("\n200"), std::string::npos) << r.output;
  const std::string key = "\"access_token\":\"";
  std::size_t at = r.output.find(key) + key.size();
  std::string token = r.output.substr(at, r.output.find('"', at) - at);

  r = CurlSend(token);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(emu_->received().size(), 1u);
  ReceivedMessage m = emu_->received()[0];
  EXPECT_EQ(ReadFile(m.spool_file), ReadFile(mime_path_));  // intact, dots restored
  EXPECT_EQ(m.recipients, std::vector<std::string>{"someone@example.org"});

  // The secret ID pasted instead of the Value.
  r = CurlToken(kDemoSecretId);
  EXPECT_NE(r.output.find("\"error_codes\":[7000215]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\n401"), std::string::npos);
}

TEST_F(PeersTest, CurlRefusesBadCertificates) {
  const std::string token = FetchToken(*emu_);
  for (CertFault fault : {CertFault::kWrongName, CertFault::kExpired, CertFault::kUntrustedCa}) {
    Faults f;
    f.smtp_certificate = fault;
    emu_->SetFaults(f);
    ProcessResult r = CurlSend(token);
    EXPECT_EQ(r.exit_code, 60) << static_cast<int>(fault) << r.output;
  }
  Faults f;
  f.smtp_no_starttls = true;
  emu_->SetFaults(f);
  EXPECT_EQ(CurlSend(token).exit_code, 64);  // CURLE_USE_SSL_FAILED with --ssl-reqd
  EXPECT_EQ(emu_->received().size(), 0u);
}

TEST_F(PeersTest, PythonSmtplibBothAuthForms) {
  const std::string token = FetchToken(*emu_);
  ProcessResult one = Python(token, "oneline");
  EXPECT_EQ(one.exit_code, 0) << one.output;
  ProcessResult two = Python(token, "twostep");
  EXPECT_EQ(two.exit_code, 0) << two.output;
  ASSERT_EQ(emu_->received().size(), 2u);
  for (const auto& m : emu_->received()) EXPECT_EQ(m.raw, ReadFile(mime_path_));
  // smtplib sent the token on the AUTH line once, and after "334 " once.
  EXPECT_EQ(emu_->stats().smtp_reply_counts["334"], 1u);
}

TEST_F(PeersTest, PythonSeesRefusals) {
  Config c = DemoConfig();
  c.tenant().smtp_auth_enabled = false;
  emu_->SetConfig(c);
  ProcessResult r = Python(FetchToken(*emu_), "oneline");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("SMTP_ERROR 535 5.7.139"), std::string::npos) << r.output;

  // Error-challenge variant: smtplib answers the 334 with an empty line.
  c = DemoConfig();
  c.xoauth2_error_challenge = true;
  emu_->SetConfig(c);
  MintOptions o;
  o.foreign_key = true;
  r = Python(emu_->MintToken(o), "twostep");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("SMTP_ERROR 535 5.7.3"), std::string::npos) << r.output;

  Faults f;
  f.smtp_certificate = CertFault::kWrongName;
  emu_->SetFaults(f);
  r = Python(FetchToken(*emu_), "oneline");
  EXPECT_EQ(r.exit_code, 4) << r.output;
}

}  // namespace
}  // namespace m365emu::testing
