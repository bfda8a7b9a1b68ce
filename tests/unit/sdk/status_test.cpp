// Status and StatusOr: the codes, the factories, what is transient, the
// server's reply, and a StatusOr that cannot be both not ok and OK.
#include "notify/sdk/status.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using notify::sdk::Status;
using notify::sdk::StatusCode;
using notify::sdk::StatusOr;
using std::chrono::seconds;

TEST(StatusTest, DefaultAndOkAreOkAndCarryNothing) {
  for (const Status& s : {Status(), Status::Ok(), Status(StatusCode::kOk, "dropped", "dropped")}) {
    EXPECT_TRUE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kOk);
    EXPECT_TRUE(s.message().empty());
    EXPECT_TRUE(s.remedy().empty());
    EXPECT_EQ(s.retry_after(), seconds(0));
    EXPECT_EQ(s.reply_code(), 0);
    EXPECT_FALSE(s.IsTransient());
    EXPECT_EQ(s.ToString(), "OK");
  }
}

TEST(StatusTest, EachFactoryGivesItsCodeMessageAndRemedy) {
  struct Case {
    Status status;
    StatusCode code;
  };
  const Case cases[] = {
      {Status::InvalidArgument("m", "r"), StatusCode::kInvalidArgument},
      {Status::Unauthenticated("m", "r"), StatusCode::kUnauthenticated},
      {Status::PermissionDenied("m", "r"), StatusCode::kPermissionDenied},
      {Status::NotFound("m", "r"), StatusCode::kNotFound},
      {Status::FailedPrecondition("m", "r"), StatusCode::kFailedPrecondition},
      {Status::ResourceExhausted("m", "r"), StatusCode::kResourceExhausted},
      {Status::Unavailable("m", "r"), StatusCode::kUnavailable},
      {Status::DeadlineExceeded("m", "r"), StatusCode::kDeadlineExceeded},
      {Status::Unknown("m", "r"), StatusCode::kUnknown},
      {Status::Internal("m", "r"), StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(notify::sdk::ToString(c.code));
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "m");
    EXPECT_EQ(c.status.remedy(), "r");
    EXPECT_EQ(c.status.ToString(), std::string(notify::sdk::ToString(c.code)) + ": m");
  }
}

TEST(StatusTest, ErrorIsInvalidArgumentForTheCallersThatPredateCodes) {
  Status s = Status::Error("unknown option --x", "See --help.");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "unknown option --x");
  EXPECT_EQ(s.remedy(), "See --help.");
  EXPECT_TRUE(Status::Error("no remedy").remedy().empty());
}

TEST(StatusTest, OnlyUnavailableResourceExhaustedDeadlineAndUnknownAreTransient) {
  EXPECT_TRUE(Status::Unavailable("m").IsTransient());
  EXPECT_TRUE(Status::ResourceExhausted("m").IsTransient());
  EXPECT_TRUE(Status::DeadlineExceeded("m").IsTransient());
  EXPECT_TRUE(Status::Unknown("m").IsTransient());
  EXPECT_FALSE(Status::FailedPrecondition("m").IsTransient());
  EXPECT_FALSE(Status::InvalidArgument("m").IsTransient());
  EXPECT_FALSE(Status::Unauthenticated("m").IsTransient());
  EXPECT_FALSE(Status::PermissionDenied("m").IsTransient());
  EXPECT_FALSE(Status::NotFound("m").IsTransient());
  EXPECT_FALSE(Status::Internal("m").IsTransient());
}

TEST(StatusTest, RetryAfterIsKeptAndNeverNegative) {
  EXPECT_EQ(Status::Unavailable("m", "", seconds(60)).retry_after(), seconds(60));
  EXPECT_EQ(Status::ResourceExhausted("m", "", seconds(30)).retry_after(), seconds(30));
  EXPECT_EQ(Status::FailedPrecondition("m", "", seconds(5)).retry_after(), seconds(5));
  EXPECT_EQ(Status::Unavailable("m", "", seconds(-3)).retry_after(), seconds(0));
  EXPECT_EQ(Status::Unavailable("m").retry_after(), seconds(0));
}

TEST(StatusTest, TheServersReplyTravelsWithTheStatus) {
  Status s = Status::Unauthenticated("AUTH refused", "Check the mailbox permission.")
                 .WithReply(535, "5.7.3");
  EXPECT_EQ(s.reply_code(), 535);
  EXPECT_EQ(s.enhanced_code(), "5.7.3");
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.remedy(), "Check the mailbox permission.");
  // The copies keep everything they do not replace.
  Status later = s.WithMessage("again").WithRemedy("other").WithRetryAfter(seconds(9));
  EXPECT_EQ(later.message(), "again");
  EXPECT_EQ(later.remedy(), "other");
  EXPECT_EQ(later.retry_after(), seconds(9));
  EXPECT_EQ(later.reply_code(), 535);
  EXPECT_EQ(later.enhanced_code(), "5.7.3");
  EXPECT_EQ(later.code(), StatusCode::kUnauthenticated);
  // An OK status stays empty.
  Status ok = Status::Ok().WithReply(250, "2.0.0").WithMessage("x").WithRetryAfter(seconds(1));
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.reply_code(), 0);
  EXPECT_TRUE(ok.message().empty());
  EXPECT_EQ(ok.retry_after(), seconds(0));
}

TEST(StatusOrTest, HoldsAValueOrTheStatusSayingWhyNot) {
  StatusOr<std::string> value = std::string("token");
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value.status().ok());
  EXPECT_EQ(value.value(), "token");
  EXPECT_EQ(*value, "token");
  EXPECT_EQ(value->size(), 5u);

  StatusOr<std::string> error = Status::NotFound("no such tenant", "Check Tenant ID.");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(error.status().message(), "no such tenant");
  EXPECT_EQ(error.status().remedy(), "Check Tenant ID.");
}

TEST(StatusOrTest, MadeFromAnOkStatusItIsInternalNotOkWithAnOkStatus) {
  for (const Status& ok : {Status(), Status::Ok()}) {
    StatusOr<int> made = ok;
    EXPECT_FALSE(made.ok());
    EXPECT_FALSE(made.status().ok()) << "not ok, yet its status says OK";
    EXPECT_EQ(made.status().code(), StatusCode::kInternal);
    EXPECT_EQ(made.status().message(), "StatusOr made from an OK status without a value");
  }
}

TEST(StatusOrTest, TheValueCanBeMovedOut) {
  StatusOr<std::string> value = std::string(100, 'x');
  std::string taken = std::move(value).value();
  EXPECT_EQ(taken.size(), 100u);
}

}  // namespace
