// The process's keeper of idle connections (docs/delivery.md, Connections
// kept between calls), with connections that only record what was done to
// them, on a ManualClock.
#include "delivery/kept_connections.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

namespace m365 {
namespace {

using std::chrono::seconds;

const std::string kMailbox = "keeper-test@contoso.onmicrosoft.com";

// What happened to one fake connection.
struct Fate {
  bool alive = true;
  int polite_closes = 0;
  int rude_closes = 0;
};

class FakeConnection : public KeptConnection {
 public:
  FakeConnection(Fate& fate, int id) : fate_(fate), id(id) {}
  bool LooksAlive() noexcept override { return fate_.alive; }
  void Close(bool politely) noexcept override {
    ++(politely ? fate_.polite_closes : fate_.rude_closes);
  }
  Fate& fate_;
  const int id;
};

class KeeperTest : public ::testing::Test {
 protected:
  void Keep(const void* owner, Fate& fate, int id, seconds idle = seconds(60)) {
    keeper_.Keep(owner, std::make_unique<FakeConnection>(fate, id),
                 MailboxSlot::Acquire(kMailbox, 3, std::chrono::milliseconds(0)), kMailbox, clock_,
                 idle);
  }
  static int IdOf(const ConnectionKeeper::Taken& t) {
    return t.connection ? static_cast<FakeConnection&>(*t.connection).id : -1;
  }

  ManualClock clock_;
  ConnectionKeeper keeper_;
  int owner_a_ = 0, owner_b_ = 0;
};

TEST_F(KeeperTest, AnOwnerGetsBackItsNewestConnectionWithItsSlot) {
  Fate one, two, other;
  Keep(&owner_a_, one, 1);
  Keep(&owner_a_, two, 2);
  Keep(&owner_b_, other, 3);
  EXPECT_EQ(MailboxSlot::InUse(kMailbox), 3);
  ConnectionKeeper::Taken t = keeper_.Take(&owner_a_);
  EXPECT_EQ(IdOf(t), 2);
  EXPECT_TRUE(t.slot.held());
  EXPECT_EQ(IdOf(keeper_.Take(&owner_a_)), 1);
  EXPECT_EQ(IdOf(keeper_.Take(&owner_a_)), -1) << "never another owner's";
  EXPECT_EQ(keeper_.CountFor(&owner_b_), 1u);
  keeper_.CloseAll(&owner_b_);
  EXPECT_EQ(other.polite_closes, 1);
}

TEST_F(KeeperTest, PastItsIdleTimeAConnectionIsClosedPolitelyNotTaken) {
  Fate old_one, young;
  Keep(&owner_a_, old_one, 1, seconds(10));
  clock_.Advance(seconds(5));
  Keep(&owner_a_, young, 2, seconds(60));
  clock_.Advance(seconds(5));
  EXPECT_EQ(keeper_.CloseExpired(), 1u);
  EXPECT_EQ(old_one.polite_closes, 1);
  EXPECT_EQ(MailboxSlot::InUse(kMailbox), 1) << "its slot came free";
  EXPECT_EQ(IdOf(keeper_.Take(&owner_a_)), 2);
  Keep(&owner_a_, young, 2, seconds(1));
  clock_.Advance(seconds(1));
  EXPECT_EQ(IdOf(keeper_.Take(&owner_a_)), -1) << "expired at its next use";
  EXPECT_EQ(young.polite_closes, 1);
}

TEST_F(KeeperTest, AConnectionTheServerEndedIsDroppedWithoutAWord) {
  Fate dead, alive;
  Keep(&owner_a_, alive, 1);
  Keep(&owner_a_, dead, 2);
  dead.alive = false;
  EXPECT_EQ(IdOf(keeper_.Take(&owner_a_)), 1);
  EXPECT_EQ(dead.rude_closes, 1);
  EXPECT_EQ(dead.polite_closes, 0);
}

TEST_F(KeeperTest, TheIdleConnectionKeptLongestAgoGivesUpItsSlotForAnyone) {
  Fate first, second;
  Keep(&owner_a_, first, 1);
  Keep(&owner_b_, second, 2);
  EXPECT_TRUE(keeper_.CloseOneIdle(kMailbox));
  EXPECT_EQ(first.polite_closes, 1);
  EXPECT_EQ(second.polite_closes, 0);
  EXPECT_EQ(MailboxSlot::InUse(kMailbox), 1);
  EXPECT_FALSE(keeper_.CloseOneIdle("nobody@contoso.onmicrosoft.com"));
}

TEST_F(KeeperTest, TheKeeperClosesWhatIsLeftWhenItGoes) {
  Fate fate;
  {
    ConnectionKeeper keeper;
    keeper.Keep(&owner_a_, std::make_unique<FakeConnection>(fate, 1),
                MailboxSlot::Acquire(kMailbox, 3, std::chrono::milliseconds(0)), kMailbox, clock_,
                seconds(60));
  }
  EXPECT_EQ(fate.polite_closes, 1);
  EXPECT_EQ(MailboxSlot::InUse(kMailbox), 0);
}

TEST_F(KeeperTest, ThereIsOneKeeperWhileAnyoneHoldsIt) {
  auto a = ConnectionKeeper::Shared();
  auto b = ConnectionKeeper::Shared();
  EXPECT_EQ(a.get(), b.get());
}

}  // namespace
}  // namespace m365
