// What one Deliver call's workers share: the first result of each message,
// the deadline on the sender's clock, and the give-up of the rest of the batch.
#include "delivery/deliver_call.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "delivery/delivery_plan.hpp"
#include "notify/test_support/wait_until.hpp"

namespace m365 {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::LogLevel;
using notify::sdk::Status;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<notify::Message> Batch(int n) {
  std::vector<notify::Message> batch(n);
  for (int i = 0; i < n; ++i) batch[i].id = "m" + std::to_string(i);
  return batch;
}

class DeliverCallTest : public ::testing::Test {
 protected:
  DeliverCall::LogFn Logger() {
    return [this](LogLevel level, const std::string& text) { log_.emplace_back(level, text); };
  }

  ManualClock clock_;
  std::vector<std::pair<LogLevel, std::string>> log_;
};

TEST_F(DeliverCallTest, BeforeTheDeadlineNothingIsRefusedAndEachMessageKeepsItsResult) {
  const auto batch = Batch(2);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(seconds(10));
  clock_.Advance(milliseconds(9000));
  EXPECT_FALSE(call.PastDeadline());
  EXPECT_FALSE(call.PastDeadline(milliseconds(999)));  // a pause that ends in time
  EXPECT_FALSE(call.stop().stopped());
  EXPECT_TRUE(call.Settle(0, ResultOf("m0", Status::Ok())));
  EXPECT_TRUE(call.Settle(1, ResultOf("m1", Status::InvalidArgument("bad address"))));

  DeliverCall::Outcome outcome = call.Finish();
  ASSERT_EQ(outcome.results.size(), 2u);
  EXPECT_EQ(outcome.results[0].id, "m0");
  EXPECT_EQ(outcome.results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(outcome.results[1].id, "m1");
  EXPECT_EQ(outcome.results[1].status, DeliveryStatus::kRejected);
  EXPECT_EQ(outcome.results[1].detail, "bad address");
  EXPECT_EQ(outcome.left_for_later, 0u);
  EXPECT_TRUE(log_.empty());
}

TEST_F(DeliverCallTest, APauseThatWouldEndAfterTheDeadlineIsNotTakenButNoWorkerStops) {
  const auto batch = Batch(2);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(seconds(10));
  clock_.Advance(milliseconds(9000));
  EXPECT_TRUE(call.PastDeadline(milliseconds(1000)));
  // What is already running goes on: the deadline has not passed yet.
  EXPECT_FALSE(call.stop().stopped());
  EXPECT_FALSE(call.PastDeadline());
  call.Settle(0, ResultOf("m0", Status::Ok()));

  DeliverCall::Outcome outcome = call.Finish();
  EXPECT_EQ(outcome.results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(outcome.results[1].id, "m1");
  EXPECT_EQ(outcome.results[1].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(outcome.results[1].code, 0);
  EXPECT_EQ(outcome.results[1].detail, "not sent within this Deliver call's deadline of 10 s");
  EXPECT_EQ(outcome.left_for_later, 1u);
}

TEST_F(DeliverCallTest, OnceTheDeadlinePassesEveryWorkerStopsAndTheRestSaysTheLastFailure) {
  const auto batch = Batch(3);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(milliseconds(1500));  // said in whole seconds, rounded up
  EXPECT_EQ(call.deadline_length(), seconds(2));
  call.NoteFailure("connect: connection refused");
  clock_.Advance(milliseconds(1500));
  EXPECT_TRUE(call.PastDeadline());
  EXPECT_TRUE(call.stop().stopped());
  EXPECT_FALSE(clock_.Pause(milliseconds(100), call.stop()));
  EXPECT_FALSE(call.given_up());

  DeliverCall::Outcome outcome = call.Finish();
  ASSERT_EQ(outcome.results.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(outcome.results[i].id, batch[i].id);
    EXPECT_EQ(outcome.results[i].status, DeliveryStatus::kRetryLater);
    EXPECT_EQ(outcome.results[i].retry_after_s, 0);
    EXPECT_EQ(outcome.results[i].detail,
              "not sent within this Deliver call's deadline of 2 s (last failure: connect: "
              "connection refused)");
  }
  EXPECT_EQ(outcome.left_for_later, 3u);
}

TEST_F(DeliverCallTest, GivingUpGivesTheFirstReasonToEveryMessageWithoutAResult) {
  const auto batch = Batch(3);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(seconds(60));
  call.Settle(0, ResultOf("m0", Status::Ok()));
  call.GiveUp(Status::Unauthenticated("AADSTS7000215: invalid client secret"));
  call.GiveUp(Status::Unavailable("connection lost"));  // a later reason does not replace it
  EXPECT_TRUE(call.stop().stopped());
  ASSERT_TRUE(call.given_up());
  EXPECT_EQ(call.given_up()->message(), "AADSTS7000215: invalid client secret");
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_[0].first, LogLevel::kError);
  EXPECT_EQ(log_[0].second,
            "giving up the rest of the batch: AADSTS7000215: invalid client secret");

  DeliverCall::Outcome outcome = call.Finish();
  EXPECT_EQ(outcome.results[0].status, DeliveryStatus::kDelivered);
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_EQ(outcome.results[i].id, batch[i].id);
    EXPECT_EQ(outcome.results[i].status, DeliveryStatus::kRejected);
    EXPECT_EQ(outcome.results[i].detail, "AADSTS7000215: invalid client secret");
  }
  EXPECT_EQ(outcome.left_for_later, 0u);
}

TEST_F(DeliverCallTest, AGiveUpIsReportedRatherThanTheDeadline) {
  const auto batch = Batch(2);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(seconds(5));
  clock_.Advance(seconds(5));
  EXPECT_TRUE(call.PastDeadline());
  call.GiveUp(Status::ResourceExhausted("no free connection", "", seconds(60)));

  DeliverCall::Outcome outcome = call.Finish();
  for (const DeliveryResult& r : outcome.results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
    EXPECT_EQ(r.detail, "no free connection");
    EXPECT_EQ(r.retry_after_s, 60);
  }
  EXPECT_EQ(outcome.left_for_later, 0u);
}

TEST_F(DeliverCallTest, AMessageKeepsItsFirstResult) {
  const auto batch = Batch(1);
  DeliverCall call(batch, clock_, Logger());
  call.StartDeadline(seconds(5));
  EXPECT_TRUE(call.Settle(0, ResultOf("m0", Status::Unknown("outcome unknown: lost"))));
  EXPECT_FALSE(call.Settle(0, ResultOf("m0", Status::Ok())));
  call.GiveUp(Status::Unauthenticated("refused"));
  clock_.Advance(seconds(5));
  EXPECT_TRUE(call.PastDeadline());

  DeliverCall::Outcome outcome = call.Finish();
  EXPECT_EQ(outcome.results[0].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(outcome.results[0].detail, "outcome unknown: lost");
  EXPECT_EQ(outcome.left_for_later, 0u);
}

TEST_F(DeliverCallTest, BeforeItStartsTheDeadlineCountsAsPassed) {
  const auto batch = Batch(1);
  DeliverCall call(batch, clock_, Logger());
  EXPECT_TRUE(call.PastDeadline());
}

TEST(RunWorkersTest, RunsTheWorkersAtOnceOneOfThemOnTheCallingThread) {
  std::atomic<int> arrived{0};
  std::mutex mutex;
  std::set<std::thread::id> threads;
  RunWorkers(3, [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    ++arrived;
    // Each waits for the others: run one after the other, they never all arrive.
    EXPECT_TRUE(notify::test_support::WaitUntil([&] { return arrived.load() == 3; }, seconds(30)));
  });
  EXPECT_EQ(arrived.load(), 3);
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 1u);
}

TEST(RunWorkersTest, NoWorkRunsNothingAndOneWorkerRunsOnTheCallingThread) {
  int calls = 0;
  RunWorkers(0, [&] { ++calls; });
  EXPECT_EQ(calls, 0);
  std::thread::id ran_on;
  RunWorkers(1, [&] {
    ++calls;
    ran_on = std::this_thread::get_id();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace m365
