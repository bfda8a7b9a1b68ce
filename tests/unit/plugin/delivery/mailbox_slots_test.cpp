// The per-mailbox connection slots: at most the limit per mailbox, shared
// by every sender of the process, handed to a waiter when one is released.
#include "delivery/mailbox_slots.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "notify/sdk/testing/fake_host.hpp"
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

// A host's slot service shared with other hosts: `others` slots of every
// name are held elsewhere.
class SharedSlots : public notify::SlotService {
 public:
  explicit SharedSlots(int others) : others_(others) {}
  std::string TryAcquire(std::string_view name, int limit,
                         std::chrono::seconds ttl) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    last_name_ = std::string(name);
    last_ttl_ = ttl;
    int held = others_;
    for (const auto& [token, held_name] : held_) held += held_name == name ? 1 : 0;
    if (held >= limit) return "";
    std::string token = "t" + std::to_string(++next_);
    held_[token] = std::string(name);
    return token;
  }
  void Release(std::string_view token) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.erase(std::string(token));
    ++releases_;
  }
  int held() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int>(held_.size());
  }
  int releases() {
    std::lock_guard<std::mutex> lock(mutex_);
    return releases_;
  }
  std::string last_name() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_name_;
  }
  std::chrono::seconds last_ttl() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_ttl_;
  }

 private:
  const int others_;
  std::mutex mutex_;
  std::map<std::string, std::string> held_;
  std::string last_name_;
  std::chrono::seconds last_ttl_{0};
  int next_ = 0;
  int releases_ = 0;
};

TEST(MailboxSlotsTest, TheHostsSlotsHoldTheLimitAcrossHosts) {
  const std::string mailbox = "Shared@Contoso.com";
  SharedSlots host(2);  // two of the three connections are open on other hosts
  MailboxSlot a = MailboxSlot::Acquire(&host, mailbox, 3, milliseconds(10));
  ASSERT_TRUE(a.held());
  EXPECT_EQ(host.last_name(), "shared@contoso.com") << "the name is the mailbox, lower case";
  EXPECT_EQ(host.last_ttl(), kHostSlotTtl);
  MailboxSlot b = MailboxSlot::Acquire(&host, mailbox, 3, milliseconds(120));
  EXPECT_FALSE(b.held()) << "this process has room, the hosts together have none";
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 1) << "the refused wait gives its own slot back";
  MailboxSlot moved = std::move(a);
  a.Release();
  EXPECT_EQ(host.releases(), 0) << "a moved-from slot releases nothing";
  EXPECT_EQ(host.held(), 1);
  moved.Release();
  EXPECT_EQ(host.held(), 0);
  EXPECT_EQ(MailboxSlot::InUse(mailbox), 0);
  EXPECT_TRUE(MailboxSlot::Acquire(&host, mailbox, 3, milliseconds(10)).held());
}

TEST(MailboxSlotsTest, AWaiterGetsASlotAnotherHostReleased) {
  const std::string mailbox = "elsewhere@contoso.com";
  SharedSlots host(0);
  const std::string other_host = host.TryAcquire(mailbox, 1, kHostSlotTtl);
  ASSERT_FALSE(other_host.empty());
  std::thread releaser([&] {
    notify::test_support::WaitUntil([&] { return MailboxSlot::InUse(mailbox) == 1; },
                                    milliseconds(30000));
    host.Release(other_host);
  });
  MailboxSlot waited = MailboxSlot::Acquire(&host, mailbox, 1, milliseconds(30000));
  releaser.join();
  EXPECT_TRUE(waited.held());
  EXPECT_EQ(host.held(), 1);
}

TEST(MailboxSlotsTest, WithoutTheHostsServiceTheLimitIsThisProcesss) {
  notify::sdk::testing::FakeHostContext context;
  ASSERT_EQ(context.Slots(), nullptr) << "a host that offers no slot service";
  const std::string mailbox = "fallback@contoso.com";
  MailboxSlot a = MailboxSlot::Acquire(context.Slots(), mailbox, 2, milliseconds(10));
  MailboxSlot b = MailboxSlot::Acquire(context.Slots(), mailbox, 2, milliseconds(10));
  EXPECT_TRUE(a.held() && b.held());
  EXPECT_FALSE(MailboxSlot::Acquire(context.Slots(), mailbox, 2, milliseconds(20)).held());
  a.Release();
  EXPECT_TRUE(MailboxSlot::Acquire(context.Slots(), mailbox, 2, milliseconds(10)).held());
}

TEST(MailboxSlotsTest, NoFreeSlotSaysWhatWasFullAndRetriesAfterAMinute) {
  const notify::sdk::Status status =
      NoFreeSlot("connection", "alerts@contoso.com", 3, std::chrono::seconds(120));
  EXPECT_EQ(status.code(), notify::sdk::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "no free connection for alerts@contoso.com within 120 s (other senders of this "
            "host, or of the hosts sharing its state, hold all 3, or the host's state database "
            "did not answer)");
  EXPECT_EQ(status.retry_after(), std::chrono::seconds(60));
}

}  // namespace
}  // namespace m365
