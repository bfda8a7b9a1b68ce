// The slot service of hosts sharing a state database
// (docs/several-hosts.md, "Per-mailbox limits"), on SQLite: the same SQL as
// on PostgreSQL, whose own tests (state_postgresql_test.cpp) add hosts on
// separate connections and a server restart. Here: the limit, a release the
// database refused retried by the renewer, a row nobody renews lapsing
// while its host keeps renewing the slots it holds. Each host's clock is
// driven; a refused write is a write lock held by another connection.
#include "state/database_slot_service.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace notify_host::state;
using namespace Poco::Data::Keywords;
using std::chrono::seconds;

class DatabaseSlotServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("notify-slots-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    StateOptions o;
    o.base_dir = dir_.string();
    o.key_file = "notify-host.key";
    o.busy_timeout_ms = 50;  // a write lock held elsewhere fails a write at once
    auto db = StateDatabase::Open(o);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    host_a_ = std::make_unique<DatabaseSlotService>(*db_, "host-a", [this] { return now_a_; });
    host_b_ = std::make_unique<DatabaseSlotService>(*db_, "host-b", [this] { return now_b_; });
  }
  void TearDown() override {
    host_a_.reset();
    host_b_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  // Another process's write lock on the file, until Unlock: every write of
  // the hosts fails (the database is "unreachable" for writes).
  void Lock() {
    Poco::Data::SQLite::Connector::registerConnector();
    blocker_ = std::make_unique<Poco::Data::Session>("SQLite", (dir_ / "state.db").string());
    *blocker_ << "BEGIN IMMEDIATE", now;
  }
  void Unlock() {
    *blocker_ << "ROLLBACK", now;
    blocker_.reset();
  }
  int Rows(const std::string& holder) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", (dir_ / "state.db").string());
    int rows = 0;
    s << "SELECT COUNT(*) FROM slot_leases WHERE holder = ?", into(rows), bind(holder), now;
    return rows;
  }

  const std::string mailbox_ = "alerts@contoso.com";
  const seconds ttl_{20};
  fs::path dir_;
  std::unique_ptr<StateDatabase> db_;
  std::int64_t now_a_ = 1'000'000;
  std::int64_t now_b_ = 1'000'000;
  std::unique_ptr<DatabaseSlotService> host_a_;
  std::unique_ptr<DatabaseSlotService> host_b_;
  std::unique_ptr<Poco::Data::Session> blocker_;
};

TEST_F(DatabaseSlotServiceTest, AtMostTheLimitAcrossHostsAndAReleaseFreesTheSlot) {
  const std::string a = host_a_->TryAcquire(mailbox_, 2, ttl_);
  const std::string b = host_b_->TryAcquire(mailbox_, 2, ttl_);
  ASSERT_FALSE(a.empty() || b.empty());
  EXPECT_EQ(host_a_->TryAcquire(mailbox_, 2, ttl_), "");
  EXPECT_EQ(host_b_->TryAcquire(mailbox_, 2, ttl_), "");
  host_a_->Release(a);
  host_a_->Release(a);  // a second release and an unknown token are ignored
  host_a_->Release("no-such-token");
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 2, ttl_).empty()) << "host-a's slot is free";
  EXPECT_EQ(host_a_->TryAcquire(mailbox_, 2, ttl_), "");
  EXPECT_EQ(host_a_->TryAcquire("other@contoso.com", 2, seconds(5)), "")
      << "a ttl below notify::kMinSlotTtl gives no slot";
}

TEST_F(DatabaseSlotServiceTest, AReleaseTheDatabaseRefusedIsRetriedByTheRenewer) {
  const std::string a = host_a_->TryAcquire(mailbox_, 1, ttl_);
  ASSERT_FALSE(a.empty());
  Lock();
  host_a_->Release(a);
  EXPECT_EQ(host_a_->ReleasesPending(), 1) << "the delete failed and waits for the renewer";
  now_a_ += 1000;
  EXPECT_FALSE(host_a_->RenewHeld()) << "the database still refuses";
  EXPECT_EQ(host_a_->ReleasesPending(), 1);
  Unlock();
  now_a_ += 1000;
  EXPECT_TRUE(host_a_->RenewHeld());
  EXPECT_EQ(host_a_->ReleasesPending(), 0);
  EXPECT_EQ(Rows("host-a"), 0) << "the renewer deleted the row instead of renewing it";
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 1, ttl_).empty())
      << "the slot is free at once, without waiting for its ttl";
}

TEST_F(DatabaseSlotServiceTest, AReleasedRowTheRenewerCannotDeleteLapsesAtItsTtl) {
  const std::string a = host_a_->TryAcquire(mailbox_, 1, ttl_);
  ASSERT_FALSE(a.empty());
  Lock();
  host_a_->Release(a);
  // host-a's renewer keeps failing; a write of host-b's needs the lock too,
  // so the clocks move on while it is held.
  for (int i = 0; i < 19; ++i) {
    now_a_ += 1000;
    EXPECT_FALSE(host_a_->RenewHeld());
  }
  EXPECT_EQ(host_a_->ReleasesPending(), 1);
  Unlock();
  now_a_ += 1000;  // the ttl since the release has passed
  EXPECT_TRUE(host_a_->RenewHeld());
  EXPECT_EQ(host_a_->ReleasesPending(), 0) << "past its ttl: nothing left to retry";
  EXPECT_EQ(Rows("host-a"), 1) << "left for whoever counts next";
  now_b_ = now_a_;
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 1, ttl_).empty())
      << "the row lapsed: host-b counts without it";
}

TEST_F(DatabaseSlotServiceTest, ARowItsHostLostTrackOfLapsesWhileTheHostRenewsItsSlots) {
  // host-a holds one slot, and a row of its own it has no token for: an
  // insert that committed while host-a saw the commit fail.
  ASSERT_FALSE(host_a_->TryAcquire(mailbox_, 2, ttl_).empty());
  {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", (dir_ / "state.db").string());
    s << "INSERT INTO slot_leases (token, name, holder, ttl_ms, expires_at) "
         "VALUES ('lost', ?, 'host-a', 20000, ?)",
        bind(mailbox_), bind(now_a_ + 20000), now;
  }
  EXPECT_EQ(host_b_->TryAcquire(mailbox_, 2, ttl_), "") << "both rows count";
  for (int i = 0; i < 20; ++i) {
    now_a_ += 1000;
    ASSERT_TRUE(host_a_->RenewHeld());
  }
  now_b_ = now_a_;
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 2, ttl_).empty())
      << "the lost row was not renewed with host-a's slot and lapsed";
  EXPECT_EQ(host_b_->TryAcquire(mailbox_, 2, ttl_), "") << "host-a's renewed slot holds";
}

TEST_F(DatabaseSlotServiceTest, ACrashedHostsSlotsLapseAfterTheirTtlAndARenewedSlotHolds) {
  ASSERT_FALSE(host_a_->TryAcquire(mailbox_, 2, ttl_).empty());
  ASSERT_FALSE(host_b_->TryAcquire(mailbox_, 2, ttl_).empty());
  // host-a stops renewing (killed); host-b renews every second.
  for (int i = 0; i < 19; ++i) {
    now_b_ += 1000;
    ASSERT_TRUE(host_b_->RenewHeld());
  }
  EXPECT_EQ(host_b_->TryAcquire(mailbox_, 2, ttl_), "") << "host-a's slot holds until its ttl";
  now_b_ += 1000;
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 2, ttl_).empty()) << "host-a's slot lapsed";
  EXPECT_EQ(Rows("host-a"), 0);
  EXPECT_EQ(Rows("host-b"), 2);
}

TEST_F(DatabaseSlotServiceTest, AClosedServiceFreesItsSlotsAndGivesNoMore) {
  ASSERT_FALSE(host_a_->TryAcquire(mailbox_, 1, ttl_).empty());
  host_a_->Close();
  EXPECT_EQ(Rows("host-a"), 0);
  EXPECT_EQ(host_a_->TryAcquire(mailbox_, 1, ttl_), "");
  EXPECT_FALSE(host_b_->TryAcquire(mailbox_, 1, ttl_).empty());
}

}  // namespace
