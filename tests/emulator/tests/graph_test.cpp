// Microsoft Graph sendMail on the emulator's own HTTPS listener: tokens,
// MIME and JSON bodies, the error codes of docs/microsoft-365.md, the spool
// marking, and a proof with curl as the client.
#include "graph_fixture.hpp"

namespace m365emu::testing {
namespace {

TEST_F(GraphTest, MimeSendMailIsAcceptedWith202AndSpooledAsGraph) {
  const std::string token = GraphToken();
  ASSERT_FALSE(token.empty());
  EXPECT_NE(JwtPayload(token).find("\"roles\":[\"Mail.Send\"]"), std::string::npos);
  const std::string mime = SimpleMime(kDemoMailbox, "graph-mime");
  HttpResult r = SendMime(token, mime);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_FALSE(r.headers["request-id"].empty());
  ASSERT_TRUE(emu_.WaitForMessages(1, std::chrono::seconds(5)));
  ReceivedMessage m = emu_.received().at(0);
  EXPECT_EQ(m.route, "graph");
  EXPECT_EQ(m.authenticated_mailbox, kDemoMailbox);
  EXPECT_EQ(m.client_id, kDemoGraphClientId);
  EXPECT_EQ(m.recipients, std::vector<std::string>{"someone@example.org"});
  EXPECT_EQ(m.message_id, "<graph-mime@contoso.com>");
  EXPECT_EQ(ReadFile(m.spool_file), mime);
  const std::string envelope = ReadFile(m.spool_file.substr(0, m.spool_file.size() - 4) + ".json");
  EXPECT_EQ(Json(envelope)->getValue<std::string>("route"), "graph");
  EXPECT_EQ(emu_.stats().graph_http_status[202], 1u);
}

TEST_F(GraphTest, MimeWithLfLineEndsAndWrappedBase64IsAccepted) {
  // Microsoft's own example sends LF line ends, base64 in 76-column lines.
  std::string mime = "From: <notify@contoso.onmicrosoft.com>\nTo: a@example.org\nSubject: lf\n\nhi\n";
  std::string b64 = B64(mime);
  std::string wrapped;
  for (std::size_t i = 0; i < b64.size(); i += 76) wrapped += b64.substr(i, 76) + "\r\n";
  HttpResult r = GraphRequest(emu_, "POST", kSendMail, GraphToken(), "text/plain", wrapped);
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_EQ(emu_.received().size(), 1u);
  EXPECT_NE(emu_.received()[0].raw.find("Subject: lf\r\n"), std::string::npos);
}

TEST_F(GraphTest, JsonSendMailRendersMessageWithAttachmentAndBcc) {
  const std::string body =
      R"({"message":{"subject":"Report","body":{"contentType":"HTML","content":"<b>92 %</b>"},)"
      R"("toRecipients":[{"emailAddress":{"address":"ops@contoso.com","name":"Ops"}}],)"
      R"("ccRecipients":[{"emailAddress":{"address":"cc@contoso.com"}}],)"
      R"("bccRecipients":[{"emailAddress":{"address":"hidden@contoso.com"}}],)"
      R"("attachments":[{"@odata.type":"#microsoft.graph.fileAttachment","name":"df.txt",)"
      R"("contentType":"text/plain","contentBytes":"SGVsbG8gV29ybGQh"}]},"saveToSentItems":"false"})";
  HttpResult r = GraphRequest(emu_, "POST", kSendMail, GraphToken(), "application/json", body);
  ASSERT_EQ(r.status, 202) << r.body;
  ReceivedMessage m = emu_.received().at(0);
  EXPECT_EQ(m.recipients,
            (std::vector<std::string>{"ops@contoso.com", "cc@contoso.com", "hidden@contoso.com"}));
  EXPECT_FALSE(m.save_to_sent_items);
  EXPECT_NE(m.raw.find("From: <notify@contoso.onmicrosoft.com>\r\n"), std::string::npos);
  EXPECT_NE(m.raw.find("Subject: Report\r\n"), std::string::npos);
  EXPECT_NE(m.raw.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(m.raw.find("filename=\"df.txt\""), std::string::npos);
  EXPECT_NE(m.raw.find("SGVsbG8gV29ybGQh"), std::string::npos);
  EXPECT_EQ(m.raw.find("hidden@"), std::string::npos) << "Bcc is not a header";
}

TEST_F(GraphTest, MailboxCanBeNamedByUserObjectId) {
  HttpResult r = SendMime(GraphToken(), SimpleMime(kDemoMailbox, "by-id"),
                          std::string("/v1.0/users/") + kDemoMailboxUserId + "/sendMail");
  EXPECT_EQ(r.status, 202) << r.body;
}

TEST_F(GraphTest, SmtpMessagesKeepTheSmtpRoute) {
  SmtpClient smtp(emu_.smtp_port());
  ASSERT_EQ(smtp.Login(emu_.ca_file(), kDemoMailbox, FetchToken(emu_)).substr(0, 3), "235");
  ASSERT_EQ(smtp.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox, "s"))
                .substr(0, 3),
            "250");
  ASSERT_EQ(SendMime(GraphToken(), SimpleMime(kDemoMailbox, "g")).status, 202);
  auto got = emu_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].route, "smtp");
  EXPECT_EQ(got[1].route, "graph");
  EXPECT_NE(got[0].spool_file.find("-c1.eml"), std::string::npos);
  EXPECT_NE(got[1].spool_file.find("-g.eml"), std::string::npos);
}

TEST_F(GraphTest, BadTokensGet401WithWwwAuthenticate) {
  auto UnknownTenantToken = [&] {
    MintOptions o;
    o.tenant_id = "0f0e0d0c-0b0a-4909-8807-060504030201";
    o.client_id = kDemoGraphClientId;
    o.audience = kGraphResource;
    o.roles = std::vector<std::string>{kGraphMailSendRole};
    return emu_.MintToken(o);
  };
  const std::string mime = SimpleMime(kDemoMailbox);
  struct Case {
    std::string name, token, message_part;
  } cases[] = {
      {"none", "", "Access token is empty."},
      {"not a JWT", "opaque", "JWT is not well formed"},
      {"expired", Minted(std::nullopt, -7200), "expired"},
      {"Exchange audience", Minted(std::vector<std::string>{"Mail.Send"}, 0, kExchangeResource),
       "Invalid audience"},
      {"foreign key", Minted(std::nullopt, 0, kGraphResource, true), "validation failure"},
      {"unknown tenant", UnknownTenantToken(), "Invalid issuer"},
  };
  for (const auto& c : cases) {
    HttpResult r = SendMime(c.token, mime);
    EXPECT_EQ(r.status, 401) << c.name;
    EXPECT_EQ(ErrorCode(r), "InvalidAuthenticationToken") << c.name;
    EXPECT_NE(ErrorMessage(r).find(c.message_part), std::string::npos) << c.name << ": " << r.body;
    EXPECT_EQ(r.headers["www-authenticate"].rfind("Bearer realm=", 0), 0u) << c.name;
  }
  EXPECT_TRUE(emu_.received().empty());
}

TEST_F(GraphTest, TokenWithoutMailSendGets403AccessDenied) {
  // The SMTP demo app holds SMTP.SendAsApp only: its Graph token has no roles.
  const std::string token = FetchAppToken(emu_, "https://graph.microsoft.com/.default",
                                          kDemoClientId, kDemoSecretValue);
  ASSERT_FALSE(token.empty());
  HttpResult r = SendMime(token, SimpleMime(kDemoMailbox));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "ErrorAccessDenied");
  EXPECT_EQ(ErrorMessage(r), "Access is denied. Check credentials and try again.");
}

TEST_F(GraphTest, ErrorBodyHasTheGraphShape) {
  HttpResult r = SendMime(GraphToken(), SimpleMime(kDemoMailbox),
                          "/v1.0/users/nobody@contoso.onmicrosoft.com/sendMail");
  EXPECT_EQ(r.status, 404);
  auto error = Json(r.body)->getObject("error");
  EXPECT_EQ(error->getValue<std::string>("code"), "ErrorInvalidUser");
  EXPECT_EQ(error->getValue<std::string>("message"),
            "The requested user 'nobody@contoso.onmicrosoft.com' is invalid.");
  auto inner = error->getObject("innerError");
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->getValue<std::string>("request-id"), r.headers["request-id"]);
  EXPECT_FALSE(inner->getValue<std::string>("date").empty());
}

TEST_F(GraphTest, MailboxNotEnabledForRestApi) {
  Config c = emu_.config();
  c.FindMailbox(kDemoOtherMailbox)->rest_api_enabled = false;
  emu_.SetConfig(c);
  HttpResult r = SendMime(GraphToken(), SimpleMime(kDemoOtherMailbox),
                          std::string("/v1.0/users/") + kDemoOtherMailbox + "/sendMail");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "MailboxNotEnabledForRESTAPI");
}

TEST_F(GraphTest, ApplicationAccessPolicyScopesTheAppToItsMailboxes) {
  Config c = emu_.config();
  c.tenant().apps.at(1).application_access_policy = std::vector<std::string>{kDemoMailbox};
  emu_.SetConfig(c);
  HttpResult other = SendMime(GraphToken(), SimpleMime(kDemoOtherMailbox),
                              std::string("/v1.0/users/") + kDemoOtherMailbox + "/sendMail");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(ErrorCode(other), "ErrorAccessDenied");
  EXPECT_EQ(ErrorMessage(other), "Access to OData is disabled.");
  EXPECT_EQ(SendMime(GraphToken(), SimpleMime(kDemoMailbox)).status, 202);
}

TEST_F(GraphTest, FromAnotherAddressIsSendAsDeniedUnlessGranted) {
  HttpResult r = SendMime(GraphToken(), SimpleMime("boss@contoso.com"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "ErrorSendAsDenied");
  Config c = emu_.config();
  c.FindMailbox(kDemoMailbox)->send_as = {"boss@contoso.com"};
  emu_.SetConfig(c);
  EXPECT_EQ(SendMime(GraphToken(), SimpleMime("boss@contoso.com")).status, 202);
}

TEST_F(GraphTest, RecipientsMustResolve) {
  HttpResult none = GraphRequest(emu_, "POST", kSendMail, GraphToken(), "application/json",
                                 R"({"message":{"subject":"x"}})");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(ErrorCode(none), "ErrorInvalidRecipients");
  HttpResult bad = GraphRequest(emu_, "POST", kSendMail, GraphToken(), "application/json",
                                JsonMail("not an address"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorCode(bad), "ErrorInvalidRecipients");
  EXPECT_NE(ErrorMessage(bad).find("not an address"), std::string::npos);
  EXPECT_TRUE(emu_.received().empty());
}

TEST_F(GraphTest, MalformedBase64IsRefused) {
  for (const std::string body : {"not base64!", "QUJD=A==", "QUJDRA"}) {
    HttpResult r = GraphRequest(emu_, "POST", kSendMail, GraphToken(), "text/plain", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(ErrorCode(r), "ErrorMimeContentInvalidBase64String") << body;
    EXPECT_EQ(ErrorMessage(r), "Invalid base64 string for MIME content.");
  }
}

TEST_F(GraphTest, RequestsOverFourMegabytesGet413) {
  const std::string token = GraphToken();
  // 3 MB of attachment grows to 4 MB of base64 plus headers: over the limit.
  std::string big = SimpleMime(kDemoMailbox, "big") + std::string(3u * 1024u * 1024u, 'x');
  HttpResult r = SendMime(token, big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "ErrorMessageSizeExceeded");
  std::string fits = SimpleMime(kDemoMailbox, "fits") + std::string(2u * 1024u * 1024u, 'x');
  EXPECT_EQ(SendMime(token, fits).status, 202);
  EXPECT_EQ(emu_.received().size(), 1u);
}

TEST_F(GraphTest, MessageOverTheMailboxSizeLimitGets413) {
  Config c = emu_.config();
  c.limits.max_message_bytes = 1000;
  emu_.SetConfig(c);
  HttpResult r =
      SendMime(GraphToken(), SimpleMime(kDemoMailbox, "size") + std::string(2000, 'y'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "ErrorMessageSizeExceeded");
}

TEST_F(GraphTest, AppOnlyCannotUseMe) {
  HttpResult r = SendMime(GraphToken(), SimpleMime(kDemoMailbox), "/v1.0/me/sendMail");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(ErrorMessage(r).find("/me request is only valid with delegated"), std::string::npos);
}

// The proof with a real peer: curl fetches the token from the emulator's
// token endpoint, then posts the base64 MIME to sendMail.
TEST_F(GraphTest, CurlTokenThenMimeSendMail) {
  ProcessResult tok = RunProcess(
      {"curl", "-sS", "--cacert", emu_.ca_file(), "-d", "grant_type=client_credentials", "-d",
       std::string("client_id=") + kDemoGraphClientId, "--data-urlencode",
       std::string("client_secret=") + kDemoGraphSecretValue, "--data-urlencode",
       "scope=https://graph.microsoft.com/.default",
       emu_.authority() + "/" + kDemoTenantDomain + "/oauth2/v2.0/token"},
      30);
  ASSERT_EQ(tok.exit_code, 0) << tok.output;
  const std::string token = Json(tok.output)->getValue<std::string>("access_token");
  const std::string mime_file = dir_.path() + "/mail.b64";
  WriteFile(mime_file, B64(SimpleMime(kDemoMailbox, "curl-graph")));
  const std::string headers_file = dir_.path() + "/headers";
  ProcessResult send = RunProcess(
      {"curl", "-sS", "--cacert", emu_.ca_file(), "-D", headers_file, "-o",
       dir_.path() + "/body", "-w", "%{http_code}", "-H", "Authorization: Bearer " + token, "-H",
       "Content-Type: text/plain", "--data-binary", "@" + mime_file,
       emu_.graph_url() + "/v1.0/users/" + kDemoMailbox + "/sendMail"},
      30);
  ASSERT_EQ(send.exit_code, 0) << send.output;
  EXPECT_EQ(send.output, "202");
  EXPECT_EQ(ReadFile(dir_.path() + "/body"), "");
  ASSERT_TRUE(emu_.WaitForMessages(1, std::chrono::seconds(5)));
  ReceivedMessage m = emu_.received().at(0);
  EXPECT_EQ(m.route, "graph");
  EXPECT_EQ(m.message_id, "<curl-graph@contoso.com>");
  const std::string envelope = ReadFile(m.spool_file.substr(0, m.spool_file.size() - 4) + ".json");
  EXPECT_EQ(Json(envelope)->getValue<std::string>("route"), "graph");
}

}  // namespace
}  // namespace m365emu::testing
