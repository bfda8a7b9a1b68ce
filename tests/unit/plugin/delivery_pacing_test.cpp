// The per-mailbox connection slots and the pacing of retries.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "connection_pool.hpp"
#include "pacing.hpp"

namespace m365 {
namespace {

using std::chrono::milliseconds;

TEST(ConnectionPoolTest, AtMostTheLimitPerMailbox) {
  const std::string mailbox = "pool-test@contoso.com";
  MailboxSlot a = MailboxSlot::Acquire(mailbox, 3, milliseconds(10));
  MailboxSlot b = MailboxSlot::Acquire(mailbox, 3, milliseconds(10));
  MailboxSlot c = MailboxSlot::Acquire("POOL-TEST@contoso.com", 3, milliseconds(10));
  ASSERT_TRUE(a.held() && b.held() && c.held());
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 3);
  MailboxSlot d = MailboxSlot::Acquire(mailbox, 3, milliseconds(20));
  EXPECT_FALSE(d.held());
  EXPECT_TRUE(MailboxSlot::Acquire("other@contoso.com", 3, milliseconds(10)).held());
  b.Release();
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 2);
  d = MailboxSlot::Acquire(mailbox, 3, milliseconds(10));
  EXPECT_TRUE(d.held());
}

TEST(ConnectionPoolTest, AWaiterGetsTheReleasedSlot) {
  const std::string mailbox = "waiter@contoso.com";
  MailboxSlot held = MailboxSlot::Acquire(mailbox, 1, milliseconds(10));
  ASSERT_TRUE(held.held());
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(50));
    held.Release();
  });
  MailboxSlot waited = MailboxSlot::Acquire(mailbox, 1, milliseconds(5000));
  releaser.join();
  EXPECT_TRUE(waited.held());
  waited = MailboxSlot();
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 0);
}

TEST(PacingTest, BackoffDoublesUpToTheCap) {
  Backoff backoff(milliseconds(5000));
  milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                             milliseconds(5000), milliseconds(5000)};
  for (milliseconds base : expected) {
    milliseconds delay = backoff.Next();
    EXPECT_GE(delay, base);
    EXPECT_LE(delay, base + base / 5);  // at most 20 % jitter
  }
  EXPECT_EQ(backoff.attempts(), 5);
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_LE(backoff.Next(), milliseconds(1200));
}

TEST(PacingTest, StopWakesASleeper) {
  StopSignal stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    stop.Stop();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(stop.SleepFor(milliseconds(10000)));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  EXPECT_TRUE(stop.stopped());
  EXPECT_TRUE(StopSignal().SleepFor(milliseconds(1)));
}

}  // namespace
}  // namespace m365
