// How a batch is cut into connections and how outcomes become results.
#include "delivery/delivery_plan.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "smtp/reply_status.hpp"
#include "smtp/smtp_reply_parser.hpp"

namespace m365 {
namespace {

using notify::DeliveryStatus;
using notify::sdk::Status;

std::vector<std::size_t> Range(std::size_t n) {
  std::vector<std::size_t> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

SmtpStepResult Replied(const std::string& raw) {
  SmtpStepResult r;
  r.reply = ParseSmtpReply(raw);
  r.ok = r.reply.code == 250;
  return r;
}

TEST(DeliveryPlanTest, ChunksOfBatchSizeInOrder) {
  auto chunks = SplitIntoChunks(Range(200), 30);
  ASSERT_EQ(chunks.size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(chunks[i].size(), 30u);
  EXPECT_EQ(chunks[6].size(), 20u);
  EXPECT_EQ(chunks[0].front(), 0u);
  EXPECT_EQ(chunks[6].back(), 199u);
  EXPECT_EQ(SplitIntoChunks(Range(10), 10).size(), 1u);
  EXPECT_EQ(SplitIntoChunks(Range(0), 10).size(), 0u);
  EXPECT_EQ(SplitIntoChunks(Range(3), 0).size(), 3u);  // at least one per connection
}

// docs/delivery.md, Batches, chunks and connections: a batch smaller than
// 3 x batch_size still uses 3 connections when each gets 10 messages.
TEST(DeliveryPlanTest, ASmallBatchIsSpreadOverTheConnectionsOfACall) {
  auto chunks = SplitIntoChunks(Range(100), 100, 3);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].size(), 34u);
  EXPECT_EQ(chunks[1].size(), 33u);
  EXPECT_EQ(chunks[2].size(), 33u);
  EXPECT_EQ(chunks[1].front(), 34u);  // still in order
  EXPECT_EQ(chunks[2].back(), 99u);
  EXPECT_EQ(SplitIntoChunks(Range(25), 100, 3).size(), 2u);  // 13 + 12: 10 each at least
  EXPECT_EQ(SplitIntoChunks(Range(9), 100, 3).size(), 1u);
  EXPECT_EQ(SplitIntoChunks(Range(200), 30, 3).size(), 7u);  // enough chunks already
  EXPECT_EQ(SplitIntoChunks(Range(200), 30, 3)[6].size(), 20u);
}

// docs/delivery.md, How long one Deliver call can take.
TEST(DeliveryPlanTest, TheDeadlineOfACallGrowsWithItsChunksAndTheTimeout) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  // (4 + chunks) x timeout + chunks x (1 + 2 + 4 s, plus 20 %).
  EXPECT_EQ(DeliverDeadline(seconds(5), 1), milliseconds(5 * 5000 + 8400));
  EXPECT_EQ(DeliverDeadline(seconds(120), 3), milliseconds(7 * 120000 + 3 * 8400));
  EXPECT_EQ(DeliverDeadline(seconds(10), 0), milliseconds(4 * 10000));
  EXPECT_EQ(PauseCap(seconds(5)), milliseconds(5000));
  EXPECT_EQ(PauseCap(seconds(120)), kMaxPause);
}

TEST(DeliveryPlanTest, DeliveredOnlyAfter250ToTheEndOfData) {
  auto r = ResultOfSend("m", Replied("250 2.0.0 OK <id@x> [Hostname=EM2P]\r\n"));
  EXPECT_EQ(r.id, "m");
  EXPECT_EQ(r.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.enhanced, "2.0.0");
  EXPECT_EQ(r.detail, "OK <id@x> [Hostname=EM2P]");
}

TEST(DeliveryPlanTest, TransientRepliesAreRetryLater) {
  auto r = ResultOfSend("m", Replied("450 4.2.1 Mailbox busy\r\n"));
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.code, 450);
  EXPECT_EQ(r.retry_after_s, 0);
  r = ResultOfSend("m", Replied("421 4.3.2 Service not available\r\n"));
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.retry_after_s, 60);
}

TEST(DeliveryPlanTest, PermanentRepliesAreRejectedWithTheServersText) {
  auto r = ResultOfSend("m", Replied("554-5.2.252 SendAsDenied; a@x not allowed\r\n"
                                     "554 to send as b@x\r\n"));
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.enhanced, "5.2.252");
  EXPECT_EQ(r.detail, "5.2.252 SendAsDenied; a@x not allowed to send as b@x");
}

TEST(DeliveryPlanTest, LostConnections) {
  SmtpStepResult lost;
  lost.connection_lost = true;
  lost.error = "end of DATA: the server closed the connection";
  lost.message_started = true;
  lost.outcome_unknown = true;
  auto r = ResultOfSend("m", lost);
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.detail.rfind("outcome unknown", 0), 0u) << r.detail;
  lost.outcome_unknown = false;
  r = ResultOfSend("m", lost);
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.detail.find("outcome unknown"), std::string::npos);
}

TEST(DeliveryPlanTest, LoginFailures) {
  Status token = Status::Unauthenticated("no access token: AADSTS7000215: wrong client secret",
                                         "Paste the secret's Value.");
  auto r = ResultOf("m", token);
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_NE(r.detail.find("AADSTS7000215"), std::string::npos);
  EXPECT_NE(r.detail.find("Paste the secret's Value."), std::string::npos);

  Status throttled =
      Status::FailedPrecondition("no access token: throttled", "", std::chrono::seconds(30));
  r = ResultOf("m", throttled);
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.retry_after_s, 30);

  Status refused = StatusOfReply(ParseSmtpReply("535 5.7.3 Authentication unsuccessful\r\n"),
                                 "AUTH XOAUTH2 refused: 535 5.7.3 Authentication unsuccessful");
  r = ResultOf("m", refused);
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.code, 535);
  EXPECT_EQ(r.enhanced, "5.7.3");
}

// ResultOf is the one place that decides: every code, and the 5xx rule.
TEST(DeliveryPlanTest, TheStatusCodeDecidesRetryOrReject) {
  using std::chrono::seconds;
  EXPECT_EQ(ResultOf("m", Status::Ok()).status, DeliveryStatus::kDelivered);
  for (const Status& later :
       {Status::Unavailable("u", "", seconds(7)), Status::ResourceExhausted("r", "", seconds(7)),
        Status::FailedPrecondition("f", "", seconds(7))}) {
    auto r = ResultOf("m", later);
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << later.ToString();
    EXPECT_EQ(r.retry_after_s, 7) << later.ToString();
  }
  EXPECT_EQ(ResultOf("m", Status::DeadlineExceeded("d")).status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(ResultOf("m", Status::Unknown("u")).status, DeliveryStatus::kRetryLater);
  for (const Status& rejected :
       {Status::InvalidArgument("i"), Status::Unauthenticated("a"), Status::PermissionDenied("p"),
        Status::NotFound("n"), Status::Internal("b")}) {
    auto r = ResultOf("m", rejected.WithRetryAfter(seconds(7)));
    EXPECT_EQ(r.status, DeliveryStatus::kRejected) << rejected.ToString();
    EXPECT_EQ(r.retry_after_s, 0) << rejected.ToString();
  }
  // A permanent reply is final even where the code alone would wait:
  // SMTP AUTH switched off is kFailedPrecondition, and rejected.
  Status auth_off = StatusOfReply(
      ParseSmtpReply("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                     "disabled for the Tenant.\r\n"),
      "AUTH XOAUTH2 refused");
  EXPECT_EQ(auth_off.code(), notify::sdk::StatusCode::kFailedPrecondition);
  auto r = ResultOf("m", auth_off);
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.code, 535);
  EXPECT_EQ(r.enhanced, "5.7.139");
}

TEST(DeliveryPlanTest, InvalidMessage) {
  auto r = ResultOfInvalidMessage("m", "subject: contains a line break");
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.detail.find("subject"), std::string::npos);
}

}  // namespace
}  // namespace m365
