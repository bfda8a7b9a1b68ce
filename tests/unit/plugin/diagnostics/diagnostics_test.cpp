// Error -> code and remedy mapping: every AADSTS code and every SMTP AUTH
// reply of docs/microsoft-365.md, claims, TLS failures; never a secret.
#include "diagnostics/diagnostics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "token/token_client.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;
using notify::sdk::StatusCode;

M365Config Config() {
  M365Config c;
  c.server_name = "Contoso";
  c.smtp_host = "smtp.office365.com";
  c.from_email = "notify@contoso.com";
  c.client_id = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e";
  c.client_secret = "Xq8~Secret";
  c.tenant_id = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30";
  c.authority_url = "https://login.microsoftonline.com";
  c.scope = "https://outlook.office365.com/.default";
  c.expected_audience = "https://outlook.office365.com";
  return c;
}

TokenResponse Aadsts(long code, int status = 400) {
  TokenResponse r;
  r.http_status = status;
  r.error = "invalid_client";
  r.error_codes = {code};
  r.description = "AADSTS" + std::to_string(code) + ": Some text Microsoft may change.";
  return r;
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

struct CodeCase {
  long code;
  const char* remedy_part;
};

class AadstsTest : public ::testing::TestWithParam<CodeCase> {};

TEST_P(AadstsTest, MapsTheCodeToItsFix) {
  Status d = DiagnoseTokenFailure(Aadsts(GetParam().code), Config());
  EXPECT_TRUE(Has(d.remedy(), GetParam().remedy_part)) << d.remedy();
  EXPECT_TRUE(Has(d.message(), "AADSTS" + std::to_string(GetParam().code))) << d.message();
  EXPECT_FALSE(d.IsTransient());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, AadstsTest,
    ::testing::Values(CodeCase{7000215, "secret's ID was pasted instead of its Value"},
                      CodeCase{7000222, "client secret has expired"},
                      CodeCase{700016, "No application with Client ID"},
                      CodeCase{90002, "National cloud"}, CodeCase{900023, "Directory (tenant) ID"},
                      CodeCase{9001023, "instead of common, organizations or consumers"},
                      CodeCase{1002012, "scope"}, CodeCase{70011, "scope"},
                      CodeCase{7000218, "No client secret reached Microsoft"},
                      CodeCase{500011, "Exchange Online licence"}),
    [](const ::testing::TestParamInfo<CodeCase>& info) {
      return "AADSTS" + std::to_string(info.param.code);
    });

TEST(DiagnosticsTest, CodesNotTextDecide) {
  // A 7000215 whose text speaks of something else is still a wrong secret.
  TokenResponse r = Aadsts(7000215, 401);
  r.description = "AADSTS7000215: tenant not found";
  EXPECT_TRUE(Has(DiagnoseTokenFailure(r, Config()).remedy(), "client secret is wrong"));
  // A known text with no code gets no code-specific remedy.
  TokenResponse text_only;
  text_only.http_status = 401;
  text_only.error = "invalid_client";
  text_only.description = "AADSTS7000215: Invalid client secret provided.";
  EXPECT_FALSE(Has(DiagnoseTokenFailure(text_only, Config()).remedy(), "secret's ID"));
}

TEST(DiagnosticsTest, UnknownCodePointsToMicrosoftsErrorPage) {
  Status d = DiagnoseTokenFailure(Aadsts(123456), Config());
  EXPECT_TRUE(Has(d.remedy(), "https://login.microsoftonline.com/error?code=123456"));
}

TEST(DiagnosticsTest, FirstMappedCodeWins) {
  TokenResponse r = Aadsts(999999);
  r.error_codes.push_back(7000222);
  EXPECT_TRUE(Has(DiagnoseTokenFailure(r, Config()).remedy(), "expired"));
}

TEST(DiagnosticsTest, ThrottlingIsTransientWithRetryAfter) {
  TokenResponse r;
  r.http_status = 429;
  r.retry_after_s = 42;
  r.transport_error = "not JSON";
  Status d = DiagnoseTokenFailure(r, Config());
  EXPECT_TRUE(d.IsTransient());
  EXPECT_EQ(d.retry_after(), std::chrono::seconds(42));
  EXPECT_TRUE(Has(d.message(), "429"));
}

TEST(DiagnosticsTest, TransportErrorsAndCertificates) {
  TokenResponse refused;
  refused.transport_error = "connection to login.microsoftonline.com refused";
  Status d = DiagnoseTokenFailure(refused, Config());
  EXPECT_TRUE(d.IsTransient());
  EXPECT_TRUE(Has(d.remedy(), "port 443"));
  TokenResponse cert;
  cert.transport_error = "the certificate of login.microsoftonline.com is not trusted";
  cert.certificate_problem = true;
  d = DiagnoseTokenFailure(cert, Config());
  EXPECT_FALSE(d.IsTransient());
  EXPECT_TRUE(Has(d.remedy(), "ca_file"));
}

TEST(DiagnosticsTest, SecretsAreRedactedFromServerTexts) {
  TokenResponse r = Aadsts(7000215, 401);
  r.description = "AADSTS7000215: secret Xq8~Secret is wrong";
  EXPECT_FALSE(Has(DiagnoseTokenFailure(r, Config()).message(), "Xq8~Secret"));
  EXPECT_EQ(Redact("a SECRET b SECRET", "SECRET", "b"), "a ******** ******** ********");
  EXPECT_EQ(Redact("text", "", ""), "text");
}

JwtClaims GoodClaims() {
  JwtClaims claims;
  claims.audiences = {"https://outlook.office365.com"};
  claims.tenant_id = Config().tenant_id;
  claims.app_id = Config().client_id;
  claims.object_id = "7d0c9b3a-1111-2222-3333-444455556666";
  claims.has_roles_claim = true;
  claims.roles = {"SMTP.SendAsApp"};
  return claims;
}

TEST(DiagnosticsTest, ClaimsWithTheSmtpRolePass) {
  Status d = DiagnoseClaims(GoodClaims(), Config());
  EXPECT_TRUE(d.ok()) << d.remedy();
  EXPECT_TRUE(Has(DescribeClaims(GoodClaims()), "SMTP.SendAsApp"));
}

TEST(DiagnosticsTest, ClaimsWithoutRolesExplainGraphMailSend) {
  JwtClaims claims = GoodClaims();
  claims.roles.clear();
  claims.has_roles_claim = false;
  Status d = DiagnoseClaims(claims, Config());
  EXPECT_TRUE(Has(d.remedy(), "Office 365 Exchange Online"));
  EXPECT_TRUE(Has(d.remedy(), "Grant admin consent"));
  EXPECT_TRUE(Has(d.remedy(), "Microsoft Graph Mail.Send does not authorise SMTP"));
  EXPECT_TRUE(Has(d.message(), "roles: (none)"));
}

TEST(DiagnosticsTest, GraphMailSendIsNamedAsTheMixUp) {
  JwtClaims claims = GoodClaims();
  claims.roles.clear();
  JwtClaims graph = GoodClaims();
  graph.audiences = {"https://graph.microsoft.com"};
  graph.roles = {"Mail.Send"};
  Status d = DiagnoseClaims(claims, Config(), &graph);
  EXPECT_TRUE(Has(d.remedy(), "The app was granted Microsoft Graph Mail.Send"));
  graph.roles.clear();
  EXPECT_FALSE(Has(DiagnoseClaims(claims, Config(), &graph).remedy(), "was granted"));
}

TEST(DiagnosticsTest, ClaimsForAnotherAudienceOrApp) {
  JwtClaims claims = GoodClaims();
  claims.audiences = {"https://graph.microsoft.com"};
  EXPECT_TRUE(Has(DiagnoseClaims(claims, Config()).remedy(), "not for Exchange Online"));
  claims = GoodClaims();
  claims.app_id = "ffffffff-ffff-ffff-ffff-ffffffffffff";
  EXPECT_TRUE(Has(DiagnoseClaims(claims, Config()).remedy(), "another app"));
}

SmtpReply Reply(int code, const std::string& enhanced, const std::string& text) {
  SmtpReply r;
  r.code = code;
  r.enhanced = enhanced;
  r.text = text;
  r.lines = {enhanced + " " + text};
  return r;
}

TEST(DiagnosticsTest, Auth535_5_7_3NamesAllThreeCausesAndWhatClaimsRuleOut) {
  SmtpReply reply = Reply(535, "5.7.3", "Authentication unsuccessful [X]");
  JwtClaims claims = GoodClaims();
  Status d = DiagnoseAuthReply(reply, Config(), &claims);
  EXPECT_TRUE(Has(d.remedy(), "SMTP.SendAsApp"));
  EXPECT_TRUE(Has(d.remedy(), "rules out (1)"));
  EXPECT_TRUE(Has(d.remedy(), "New-ServicePrincipal -AppId " + Config().client_id +
                                  " -ObjectId 7d0c9b3a-1111-2222-3333-444455556666"));
  EXPECT_TRUE(Has(d.remedy(), "Add-MailboxPermission -Identity notify@contoso.com"));
  EXPECT_TRUE(Has(d.remedy(), "-AccessRights FullAccess"));
  EXPECT_TRUE(Has(d.remedy(), "Enterprise application"));

  Status unknown = DiagnoseAuthReply(reply, Config(), nullptr);
  EXPECT_FALSE(Has(unknown.remedy(), "rules out"));
  EXPECT_TRUE(Has(unknown.remedy(), "(1) the token lacks the SMTP.SendAsApp role"));
}

TEST(DiagnosticsTest, Auth535_5_7_139TenantOrMailbox) {
  Status tenant = DiagnoseAuthReply(
      Reply(535, "5.7.139",
            "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."),
      Config(), nullptr);
  EXPECT_TRUE(Has(tenant.remedy(), "Set-TransportConfig -SmtpClientAuthenticationDisabled $false"));
  Status mailbox = DiagnoseAuthReply(
      Reply(535, "5.7.139",
            "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."),
      Config(), nullptr);
  EXPECT_TRUE(Has(mailbox.remedy(),
                  "Set-CASMailbox -Identity notify@contoso.com -SmtpClientAuthenticationDisabled "
                  "$false"));
  EXPECT_FALSE(Has(mailbox.remedy(), "Set-TransportConfig"));
}

TEST(DiagnosticsTest, OtherAuthAndSendReplies) {
  EXPECT_TRUE(Has(
      DiagnoseAuthReply(Reply(430, "4.2.0", "STOREDRV; mailbox logon failure"), Config(), nullptr)
          .remedy(),
      "Add-MailboxPermission"));
  Status busy =
      DiagnoseAuthReply(Reply(432, "4.3.2", "sender thread limit exceeded"), Config(), nullptr);
  EXPECT_TRUE(busy.IsTransient());
  EXPECT_TRUE(Has(DiagnoseSendReply(Reply(550, "5.7.60",
                                          "SMTP; Client does not have permissions "
                                          "to send as this sender"),
                                    Config(), nullptr)
                      .remedy(),
                  "SendAs"));
  EXPECT_TRUE(Has(
      DiagnoseSendReply(Reply(554, "5.2.0", "SubmissionQuotaExceededException"), Config(), nullptr)
          .remedy(),
      "10,000 recipients"));
}

TEST(DiagnosticsTest, TlsFailuresAreTold) {
  EXPECT_EQ(ClassifyTlsError("certificate for wrong.example.test does not match localhost"),
            TlsFailure::kWrongName);
  EXPECT_EQ(ClassifyTlsError("certificate verify failed: unable to get local issuer certificate"),
            TlsFailure::kUntrusted);
  EXPECT_EQ(ClassifyTlsError("connection refused"), TlsFailure::kOther);
  EXPECT_EQ(ClassifyTlsError(""), TlsFailure::kNone);

  Status name = DiagnoseSmtpTransport("tls", "certificate for x does not match localhost",
                                      SmtpReply{}, Config());
  EXPECT_TRUE(Has(name.remedy(), "not issued for smtp.office365.com"));
  Status trust = DiagnoseSmtpTransport("tls", "certificate not trusted", SmtpReply{}, Config());
  EXPECT_TRUE(Has(trust.remedy(), "ca_file"));
  Status refused = DiagnoseSmtpTransport("connect", "connection refused", SmtpReply{}, Config());
  EXPECT_TRUE(Has(refused.remedy(), "firewall"));
}

// An answer that is not Entra ID's (a proxy's login page, a cut body, an
// oversized one) says nothing about the messages: retry later, never reject.
TEST(DiagnosticsTest, TokenAnswerThatIsNotEntrasIsTransient) {
  for (const std::string& body :
       {std::string("<html><body>Proxy login</body></html>"), std::string("{\"access_token\":")}) {
    TokenResponse r = ParseTokenResponse(200, "text/html", body, "");
    ASSERT_FALSE(r.ok);
    Status d = DiagnoseTokenFailure(r, Config());
    EXPECT_TRUE(d.IsTransient()) << d.message();
    EXPECT_FALSE(d.remedy().empty());
  }
  TokenResponse oversized;
  oversized.http_status = 200;
  oversized.transport_error = "the token endpoint's answer is larger than 64 KiB";
  EXPECT_TRUE(DiagnoseTokenFailure(oversized, Config()).IsTransient());
  // A refused certificate stays a configuration problem.
  TokenResponse cert;
  cert.transport_error = "the certificate of login.microsoftonline.com is not trusted";
  cert.certificate_problem = true;
  EXPECT_FALSE(DiagnoseTokenFailure(cert, Config()).IsTransient());
}

// The code says what kind of failure each answer is, and so whether trying
// again can help (docs/delivery.md, Pacing and giving up).
TEST(DiagnosticsTest, EachTokenFailureHasItsStatusCode) {
  const std::pair<long, StatusCode> known[] = {
      {7000215, StatusCode::kUnauthenticated}, {7000222, StatusCode::kUnauthenticated},
      {700016, StatusCode::kNotFound},         {90002, StatusCode::kNotFound},
      {500011, StatusCode::kNotFound},         {900023, StatusCode::kInvalidArgument},
      {9001023, StatusCode::kInvalidArgument}, {1002012, StatusCode::kInvalidArgument},
      {70011, StatusCode::kInvalidArgument},   {7000218, StatusCode::kInvalidArgument}};
  for (const auto& [code, expected] : known) {
    Status d = DiagnoseTokenFailure(Aadsts(code), Config());
    EXPECT_EQ(d.code(), expected) << code;
    EXPECT_FALSE(d.IsTransient()) << code;
  }
  EXPECT_EQ(DiagnoseTokenFailure(Aadsts(123456, 500), Config()).code(), StatusCode::kUnavailable);
  EXPECT_EQ(DiagnoseTokenFailure(Aadsts(123456, 401), Config()).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(DiagnoseTokenFailure(Aadsts(123456, 403), Config()).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(DiagnoseTokenFailure(Aadsts(123456, 400), Config()).code(),
            StatusCode::kInvalidArgument);

  TokenResponse throttled;
  throttled.http_status = 429;
  Status d = DiagnoseTokenFailure(throttled, Config());
  EXPECT_EQ(d.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(d.retry_after(), std::chrono::seconds(60)) << "60 s when Retry-After is absent";
  TokenResponse refused;
  refused.transport_error = "connection to login.microsoftonline.com refused";
  EXPECT_EQ(DiagnoseTokenFailure(refused, Config()).code(), StatusCode::kUnavailable);
  TokenResponse cert;
  cert.transport_error = "the certificate of login.microsoftonline.com is not trusted";
  cert.certificate_problem = true;
  EXPECT_EQ(DiagnoseTokenFailure(cert, Config()).code(), StatusCode::kInvalidArgument);
}

TEST(DiagnosticsTest, ClaimsAndSmtpFailuresHaveTheirStatusCodes) {
  JwtClaims no_role = GoodClaims();
  no_role.roles.clear();
  EXPECT_EQ(DiagnoseClaims(no_role, Config()).code(), StatusCode::kPermissionDenied);
  JwtClaims graph = GoodClaims();
  graph.audiences = {"https://graph.microsoft.com"};
  EXPECT_EQ(DiagnoseClaims(graph, Config()).code(), StatusCode::kInvalidArgument);

  Status refused =
      DiagnoseAuthReply(Reply(535, "5.7.3", "Authentication unsuccessful"), Config(), nullptr);
  EXPECT_EQ(refused.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.reply_code(), 535);
  EXPECT_EQ(refused.enhanced_code(), "5.7.3");
  EXPECT_EQ(DiagnoseAuthReply(Reply(535, "5.7.139", "SmtpClientAuthentication is disabled"),
                              Config(), nullptr)
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(DiagnoseSendReply(Reply(550, "5.7.60", "no send as"), Config(), nullptr).code(),
            StatusCode::kPermissionDenied);
  Status busy = DiagnoseAuthReply(Reply(432, "4.3.2", "limit"), Config(), nullptr);
  EXPECT_EQ(busy.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(busy.retry_after(), std::chrono::seconds(60));
  EXPECT_EQ(DiagnoseSmtpTransport("tls", "certificate not trusted", SmtpReply{}, Config()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(DiagnoseSmtpTransport("connect", "connection refused", SmtpReply{}, Config()).code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace m365
