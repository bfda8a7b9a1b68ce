// How a batch is cut into connections and how outcomes become results.
#include "delivery/delivery_plan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smtp/smtp_reply_parser.hpp"

namespace m365 {
namespace {

using notify::DeliveryStatus;

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
  LoginOutcome token;
  token.failure = LoginOutcome::Failure::kToken;
  token.error = "no access token: AADSTS7000215: wrong client secret";
  token.remedy = "Paste the secret's Value.";
  token.permanent = true;
  auto r = ResultOfLogin("m", token);
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_NE(r.detail.find("AADSTS7000215"), std::string::npos);
  EXPECT_NE(r.detail.find("Paste the secret's Value."), std::string::npos);

  LoginOutcome throttled;
  throttled.failure = LoginOutcome::Failure::kToken;
  throttled.error = "no access token: throttled";
  throttled.retry_after_s = 30;
  r = ResultOfLogin("m", throttled);
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.retry_after_s, 30);

  LoginOutcome refused;
  refused.failure = LoginOutcome::Failure::kServer;
  refused.reply = ParseSmtpReply("535 5.7.3 Authentication unsuccessful\r\n");
  refused.error = "AUTH XOAUTH2 refused: 535 5.7.3 Authentication unsuccessful";
  refused.permanent = true;
  r = ResultOfLogin("m", refused);
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.code, 535);
  EXPECT_EQ(r.enhanced, "5.7.3");
}

TEST(DeliveryPlanTest, InvalidMessage) {
  auto r = ResultOfInvalidMessage("m", "subject: contains a line break");
  EXPECT_EQ(r.status, DeliveryStatus::kRejected);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.detail.find("subject"), std::string::npos);
}

}  // namespace
}  // namespace m365
