// The slot service of a host on its own state (SQLite): at most the limit
// per name, a release frees a slot, and a slot nobody renews lapses after its
// time to live. The clock is driven; nothing sleeps.
#include "state/local_slot_service.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace notify_host::state {
namespace {

using std::chrono::seconds;

class LocalSlotServiceTest : public ::testing::Test {
 protected:
  std::chrono::steady_clock::time_point now_{};
  LocalSlotService slots_{[this] { return now_; }};
};

TEST_F(LocalSlotServiceTest, AtMostTheLimitPerName) {
  const std::string a = slots_.TryAcquire("alerts@contoso.com", 2, seconds(60));
  const std::string b = slots_.TryAcquire("alerts@contoso.com", 2, seconds(60));
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  EXPECT_NE(a, b);
  EXPECT_EQ(slots_.TryAcquire("alerts@contoso.com", 2, seconds(60)), "");
  EXPECT_FALSE(slots_.TryAcquire("graph alerts@contoso.com", 2, seconds(60)).empty())
      << "another name has slots of its own";
  EXPECT_EQ(slots_.Held("alerts@contoso.com"), 2);
  EXPECT_EQ(slots_.TryAcquire("x", 0, seconds(60)), "") << "a limit of 0 gives no slot";
}

TEST_F(LocalSlotServiceTest, AReleaseFreesTheSlot) {
  const std::string a = slots_.TryAcquire("alerts@contoso.com", 1, seconds(60));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)), "");
  slots_.Release(a);
  slots_.Release(a);  // a second release and an unknown token are ignored
  slots_.Release("no-such-token");
  EXPECT_EQ(slots_.Held("alerts@contoso.com"), 0);
  EXPECT_FALSE(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)).empty());
}

TEST_F(LocalSlotServiceTest, ASlotNobodyRenewsLapsesAfterItsTtl) {
  ASSERT_FALSE(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)).empty());
  now_ += seconds(59);
  EXPECT_EQ(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)), "") << "still held";
  now_ += seconds(1);
  EXPECT_FALSE(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)).empty())
      << "lapsed at its ttl, so another holder gets it";
}

TEST_F(LocalSlotServiceTest, ARenewedSlotHolds) {
  ASSERT_FALSE(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)).empty());
  for (int i = 0; i < 10; ++i) {
    now_ += seconds(30);
    slots_.RenewHeld();
  }
  EXPECT_EQ(slots_.Held("alerts@contoso.com"), 1);
  EXPECT_EQ(slots_.TryAcquire("alerts@contoso.com", 1, seconds(60)), "");
}

}  // namespace
}  // namespace notify_host::state
