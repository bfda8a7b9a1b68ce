// The per-mailbox connection slots: at most the limit per mailbox, shared
// by every sender of the process, handed to a waiter when one is released.
#include "delivery/mailbox_slots.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "notify/test_support/wait_until.hpp"

namespace m365 {
namespace {

using std::chrono::milliseconds;

TEST(MailboxSlotsTest, AtMostTheLimitPerMailbox) {
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

TEST(MailboxSlotsTest, AWaiterGetsTheReleasedSlot) {
  const std::string mailbox = "waiter@contoso.com";
  MailboxSlot held = MailboxSlot::Acquire(mailbox, 1, milliseconds(10));
  ASSERT_TRUE(held.held());
  std::atomic<bool> waiting{false};
  // Releases once the waiter is about to wait; should the release still come
  // first, the waiter must get the free slot just the same.
  std::thread releaser([&] {
    notify::test_support::WaitUntil([&] { return waiting.load(); }, milliseconds(30000));
    held.Release();
  });
  waiting = true;
  MailboxSlot waited = MailboxSlot::Acquire(mailbox, 1, milliseconds(5000));
  releaser.join();
  EXPECT_TRUE(waited.held());
  waited = MailboxSlot();
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 0);
}

TEST(MailboxSlotsTest, NoFreeSlotSaysWhatWasFullAndRetriesAfterAMinute) {
  const notify::sdk::Status status =
      NoFreeSlot("connection", "alerts@contoso.com", 3, std::chrono::seconds(120));
  EXPECT_EQ(status.code(), notify::sdk::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "no free connection for alerts@contoso.com within 120 s (other senders of this "
            "host hold all 3)");
  EXPECT_EQ(status.retry_after(), std::chrono::seconds(60));
}

}  // namespace
}  // namespace m365
