// Graph's answers on the SMTP route's scale (docs/delivery.md, Outcomes;
// docs/microsoft-365.md, Microsoft Graph sendMail).
#include "graph/graph_answer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "delivery/graph_route.hpp"

namespace m365 {
namespace {

using notify::DeliveryStatus;
using notify::sdk::StatusCode;

M365Config Config() {
  M365Config c;
  c.from_email = "notify@contoso.com";
  c.client_id = "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e";
  return c;
}

HttpsAnswer Answer(int status, const std::string& code, const std::string& message,
                   const std::string& retry_after = "") {
  HttpsAnswer a;
  a.http_status = status;
  a.content_type = "application/json";
  a.retry_after = retry_after;
  if (!code.empty()) {
    a.body = R"({"error":{"code":")" + code + R"(","message":")" + message +
             R"(","innerError":{"request-id":"1b9e","date":"2026-01-09T02:02:12"}}})";
  }
  return a;
}

notify::DeliveryResult Result(const HttpsAnswer& a) {
  return ResultOfGraph("m1", StatusOfGraphAnswer(a, Config()), a.http_status);
}

TEST(GraphAnswerTest, AcceptedIsDeliveredAndSaysBouncesComeLater) {
  auto r = Result(Answer(202, "", ""));
  EXPECT_EQ(r.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(r.code, 202);
  EXPECT_NE(r.detail.find("accepted by Exchange Online"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("NDR"), std::string::npos) << r.detail;
}

TEST(GraphAnswerTest, RecipientAndBodyErrorsRejectTheMessage) {
  for (const char* code :
       {"ErrorInvalidRecipients", "ErrorMimeContentInvalidBase64String", "ErrorSomethingNew"}) {
    auto r = Result(Answer(400, code, "bad"));
    EXPECT_EQ(r.status, DeliveryStatus::kRejected) << code;
    EXPECT_EQ(r.code, 400);
    EXPECT_NE(r.detail.find(code), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("Remedy: "), std::string::npos) << r.detail;
  }
}

TEST(GraphAnswerTest, ODataDisabledNamesThePolicyAndItsTests) {
  auto a = Answer(403, "ErrorAccessDenied", "Access to OData is disabled.");
  auto status = StatusOfGraphAnswer(a, Config());
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(RefusesEveryMessage(status));
  for (const char* needle : {"Application Access Policy", "RBAC for Applications",
                             "Test-ApplicationAccessPolicy", "Test-ServicePrincipalAuthorization",
                             "notify@contoso.com", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"}) {
    EXPECT_NE(status.remedy().find(needle), std::string::npos) << needle;
  }
  EXPECT_EQ(Result(a).status, DeliveryStatus::kRejected);
}

TEST(GraphAnswerTest, AccessDeniedWithoutPolicyAsksForMailSendAndConsent) {
  auto status = StatusOfGraphAnswer(
      Answer(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
      Config());
  EXPECT_EQ(status.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(status.remedy().find("Mail.Send"), std::string::npos);
  EXPECT_NE(status.remedy().find("Grant admin consent"), std::string::npos);
  EXPECT_EQ(status.remedy().find("Test-ApplicationAccessPolicy"), std::string::npos);
}

TEST(GraphAnswerTest, SendAsUserAndMailboxErrorsAreFinalForEveryMessage) {
  struct Case {
    int http;
    const char* code;
    StatusCode expected;
    const char* remedy;
  };
  for (const Case& c :
       {Case{403, "ErrorSendAsDenied", StatusCode::kPermissionDenied, "SendAs"},
        Case{404, "ErrorInvalidUser", StatusCode::kNotFound, "From Email"},
        Case{404, "MailboxNotEnabledForRESTAPI", StatusCode::kNotFound, "licence"},
        Case{400, "MailboxNotEnabledForRESTAPI", StatusCode::kNotFound, "on-premises"},
        Case{401, "InvalidAuthenticationToken", StatusCode::kUnauthenticated, "cloud"}}) {
    auto a = Answer(c.http, c.code, "x");
    auto status = StatusOfGraphAnswer(a, Config());
    EXPECT_EQ(status.code(), c.expected) << c.code;
    EXPECT_TRUE(RefusesEveryMessage(status)) << c.code;
    EXPECT_NE(status.remedy().find(c.remedy), std::string::npos) << c.code << status.remedy();
    EXPECT_EQ(Result(a).status, DeliveryStatus::kRejected) << c.code;
  }
}

TEST(GraphAnswerTest, TooLargeIsRejectedPerMessage) {
  for (const auto& a : {Answer(413, "", ""), Answer(400, "ErrorMessageSizeExceeded", "big")}) {
    auto status = StatusOfGraphAnswer(a, Config());
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(RefusesEveryMessage(status));
    EXPECT_EQ(Result(a).status, DeliveryStatus::kRejected);
  }
}

TEST(GraphAnswerTest, ThrottlingAndServerErrorsAreRetryLaterWithTheServersRetryAfter) {
  auto throttled = Result(Answer(429, "ApplicationThrottled",
                                 "Application is over its MailboxConcurrency limit.", "7"));
  EXPECT_EQ(throttled.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(throttled.retry_after_s, 7);
  EXPECT_EQ(throttled.code, 429);
  for (int http : {500, 503, 504}) {
    auto r = Result(Answer(http, "", "", "30"));
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << http << " is not a final SMTP 5xx";
    EXPECT_EQ(r.retry_after_s, 30) << http;
  }
  EXPECT_EQ(Result(Answer(503, "", "", "Wed, 21 Oct 2026 07:28:00 GMT")).retry_after_s, 60);
  EXPECT_EQ(Result(Answer(503, "", "", "999999")).retry_after_s, 3600);
}

TEST(GraphAnswerTest, NoAnswerIsNotSentOrOutcomeUnknown) {
  HttpsAnswer a;
  a.transport_error = "connection to localhost:1 refused";
  auto not_sent = Result(a);
  EXPECT_EQ(not_sent.status, DeliveryStatus::kRetryLater);
  EXPECT_NE(not_sent.detail.find("not sent"), std::string::npos);
  a.request_sent = true;
  a.transport_error = "no answer from localhost:1 within 5 s";
  auto unknown = Result(a);
  EXPECT_EQ(unknown.status, DeliveryStatus::kRetryLater);
  EXPECT_NE(unknown.detail.find("outcome unknown"), std::string::npos);
  a.certificate_problem = true;
  a.request_sent = false;
  auto status = StatusOfGraphAnswer(a, Config());
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(RefusesEveryMessage(status));
  EXPECT_NE(status.remedy().find("ca_file"), std::string::npos);
}

TEST(GraphAnswerTest, ErrorBodiesOfOtherShapesAreReadAsNoCode) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "[]", R"({"error":"x"})",
                           R"({"error":{"code":5,"message":["a"]}})", "{\"error\":{"}) {
    auto e = ParseGraphError(body);
    EXPECT_TRUE(e.code.empty()) << body;
    EXPECT_TRUE(e.message.empty()) << body;
  }
  auto e = ParseGraphError(R"({"error":{"code":"X","message":"line one\r\nline two"}})");
  EXPECT_EQ(e.code, "X");
  EXPECT_EQ(e.message, "line one");
}

TEST(GraphAnswerTest, LargeMessagesAreRefusedWithTheRouteThatTakesThem) {
  auto without = LargeMessageRefusal(10u * 1024u * 1024u, false);
  EXPECT_EQ(without.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(without.message().find("10 MB"), std::string::npos) << without.message();
  EXPECT_NE(without.remedy().find("Mail.ReadWrite"), std::string::npos);
  EXPECT_NE(without.remedy().find("35 MB"), std::string::npos);
}

}  // namespace
}  // namespace m365
