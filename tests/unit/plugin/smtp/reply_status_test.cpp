// StatusOfReply: what each SMTP reply of docs/microsoft-365.md says as a
// Status: its code, the reply attached, and the wait after 421 and 432.
#include "smtp/reply_status.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "smtp/smtp_reply_parser.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;
using notify::sdk::StatusCode;
using std::chrono::seconds;

Status Of(const std::string& raw) { return StatusOfReply(ParseSmtpReply(raw), "refused"); }

TEST(ReplyStatusTest, TransientRepliesHaveTransientCodes) {
  Status closing = Of("421 4.3.2 Service not available\r\n");
  EXPECT_EQ(closing.code(), StatusCode::kUnavailable);
  EXPECT_EQ(closing.retry_after(), seconds(60));
  Status busy = Of("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded\r\n");
  EXPECT_EQ(busy.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(busy.retry_after(), seconds(60));
  for (const char* raw : {"450 4.2.1 Mailbox busy\r\n", "430 4.2.0 STOREDRV; mailbox logon\r\n",
                          "451 4.7.500 Server busy\r\n"}) {
    Status s = Of(raw);
    EXPECT_TRUE(s.IsTransient()) << raw;
    EXPECT_EQ(s.retry_after(), seconds(0)) << raw;
  }
}

TEST(ReplyStatusTest, PermanentRepliesAreNeverTransient) {
  EXPECT_EQ(Of("535 5.7.3 Authentication unsuccessful\r\n").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Of("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
               "for the Tenant.\r\n")
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Of("550 5.7.60 SMTP; Client does not have permissions\r\n").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Of("554 5.2.252 SendAsDenied\r\n").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Of("554 5.2.0 SubmissionQuotaExceededException\r\n").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Of("550 5.1.10 RESOLVER.ADR.RecipientNotFound\r\n").code(), StatusCode::kNotFound);
  EXPECT_EQ(Of("530 5.7.57 Client not authenticated\r\n").code(), StatusCode::kInternal);
  EXPECT_EQ(Of("504 5.7.4 Unrecognized authentication type\r\n").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Of("554 Transaction failed\r\n").code(), StatusCode::kInvalidArgument);
  for (const char* raw : {"535 5.7.3 x\r\n", "550 5.7.60 x\r\n", "554 5.2.0 x\r\n",
                          "550 5.1.10 x\r\n", "554 x\r\n", "504 x\r\n"}) {
    EXPECT_FALSE(Of(raw).IsTransient()) << raw;
    EXPECT_EQ(Of(raw).retry_after(), seconds(0)) << raw;
  }
}

TEST(ReplyStatusTest, TheReplyAndTheMessageTravelWithTheStatus) {
  Status s = StatusOfReply(ParseSmtpReply("535 5.7.3 Authentication unsuccessful\r\n"),
                           "AUTH XOAUTH2 refused: 535 5.7.3 Authentication unsuccessful");
  EXPECT_EQ(s.reply_code(), 535);
  EXPECT_EQ(s.enhanced_code(), "5.7.3");
  EXPECT_EQ(s.message(), "AUTH XOAUTH2 refused: 535 5.7.3 Authentication unsuccessful");
  EXPECT_TRUE(s.remedy().empty());
}

TEST(ReplyStatusTest, APositiveReplyWhereAnotherWasDueIsUnknown) {
  Status s = Of("250 2.0.0 OK\r\n");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnknown);
}

}  // namespace
}  // namespace m365
