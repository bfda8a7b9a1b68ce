// Regressions found by the fault matrix, bad-input and fuzz runs of issue 5;
// each test names the run that found it.
#include <gtest/gtest.h>

#include <string>

#include "diagnostics.hpp"
#include "token_client.hpp"

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

}  // namespace
}  // namespace m365
