// Regressions found by the fault matrix, bad-input and fuzz runs of issue 5;
// each test names the run that found it.
#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>

#include "diagnostics.hpp"
#include "m365_config.hpp"
#include "token_client.hpp"
#include "xoauth2.hpp"

namespace m365 {
namespace {

M365Config Config() {
  M365Config c;
  c.server_name = "Contoso";
  c.client_secret = "Xq8~Secret";
  c.tenant_id = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30";
  c.authority_url = "https://login.microsoftonline.com";
  return c;
}

// Fault matrix, token_non_json_body / token_oversized_body_bytes: an answer
// that is not Entra ID's rejected every message of the batch for good
// (the host dropped them); it says nothing about the messages.
TEST(DeliveryRegressionTest, TokenAnswerThatIsNotEntrasIsTransient) {
  for (const std::string& body :
       {std::string("<html><body>Proxy login</body></html>"), std::string("{\"access_token\":")}) {
    TokenResponse r = ParseTokenResponse(200, "text/html", body, "");
    ASSERT_FALSE(r.ok);
    Diagnosis d = DiagnoseTokenFailure(r, Config());
    EXPECT_TRUE(d.transient) << d.message;
    EXPECT_FALSE(d.remedy.empty());
  }
  TokenResponse oversized;
  oversized.http_status = 200;
  oversized.transport_error = "the token endpoint's answer is larger than 64 KiB";
  EXPECT_TRUE(DiagnoseTokenFailure(oversized, Config()).transient);
  // A refused certificate stays a configuration problem.
  TokenResponse cert;
  cert.transport_error = "the certificate of login.microsoftonline.com is not trusted";
  cert.certificate_problem = true;
  EXPECT_FALSE(DiagnoseTokenFailure(cert, Config()).transient);
}

// Bad settings, ca_file = a FIFO: the check opened it and blocked until a
// writer came, so Save hung without a deadline.
TEST(DeliveryRegressionTest, FifoAsCaFileIsRefusedWithoutOpeningIt) {
  std::string fifo = ::testing::TempDir() + "m365_ca_" + std::to_string(::getpid()) + ".fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  notify::Settings s = {{"server_name", "Contoso"},
                        {"from_email", "notify@contoso.onmicrosoft.com"},
                        {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
                        {"client_secret", "Xq8~Demo.Secret_Value-1234567890abcdefgh"},
                        {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"},
                        {"ca_file", fifo}};
  auto issues = CheckM365Settings(s);  // would block here before the fix
  ::unlink(fifo.c_str());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "ca_file");
  EXPECT_NE(issues[0].message.find("not a regular file"), std::string::npos);
}

// Secrets, issue 5: the XOAUTH2 response is now encoded without a stream
// (so no copy of the token is left behind); it must equal Poco's base64 for
// every padding case.
TEST(DeliveryRegressionTest, Xoauth2EncodingEqualsPocoBase64ForEveryPadding) {
  for (std::string token : {"", "a", "ab", "abc", "abcd", "eyJ0eXAiOiJKV1Qi.x.y"}) {
    std::ostringstream expected;
    Poco::Base64Encoder encoder(expected);
    encoder.rdbuf()->setLineLength(0);
    encoder << "user=u@contoso.com\x01"
            << "auth=Bearer " << token << "\x01\x01";
    encoder.close();
    EXPECT_EQ(Xoauth2InitialResponse("u@contoso.com", token), expected.str()) << token;
  }
}

}  // namespace
}  // namespace m365
