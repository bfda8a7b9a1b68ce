// The state database on PostgreSQL, as several hosts share it
// (docs/several-hosts.md): a real server started for these tests in a
// temporary directory (test_support/postgres_server.hpp), each test in a
// database of its own. The same repositories as on SQLite; migrations that
// hosts starting at once run once; claims that two hosts never share; a
// lapsed lease taken over; a wrong key refused before anything is written.
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "notify/test_support/postgres_server.hpp"
#include "notify/test_support/wait_until.hpp"
#include "service/state_delivery_queue.hpp"
#include "state/database_slot_service.hpp"
#include "state/health_repository.hpp"
#include "state/outbox_repository.hpp"
#include "state/postgresql_url.hpp"
#include "state/ruleset_repository.hpp"
#include "state/schema_migrations.hpp"
#include "state/state_database.hpp"

namespace {

namespace fs = std::filesystem;
using namespace notify_host::state;
using namespace Poco::Data::Keywords;
using notify::test_support::PostgresServer;
using notify::test_support::WaitUntil;

class PostgreSQLStateTest : public ::testing::Test {
 protected:
  // One server for the suite: initdb is the slow part.
  static void SetUpTestSuite() { server_ = new PostgresServer; }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    database_ = "t" + std::to_string(std::hash<std::string>()(name) % 1000000000);
    ASSERT_TRUE(server_->CreateDatabase(database_)) << server_->Psql("SELECT 1").err;
    dir_ = fs::temp_directory_path() /
           ("notify-pgstate-" + std::to_string(::getpid()) + "-" + database_);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A host: its own directory (and key file) on the shared database.
  StateOptions Host(const std::string& key_file = "notify-host.key") const {
    StateOptions o;
    o.url = server_->Url(database_);
    o.base_dir = dir_.string();
    o.key_file = key_file;
    o.busy_timeout_ms = 5000;
    return o;
  }
  std::unique_ptr<StateDatabase> OpenOk(const StateOptions& o) {
    auto db = StateDatabase::Open(o);
    EXPECT_TRUE(db.ok()) << db.status().message() << " " << db.status().remedy();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  std::string Query(const std::string& sql) { return server_->Psql(sql, database_).out; }

  static PostgresServer* server_;
  std::string database_;
  fs::path dir_;
};

PostgresServer* PostgreSQLStateTest::server_ = nullptr;

TEST(PostgreSQLUrl, APasswordInTheUrlIsRefusedWithoutShowingIt) {
  for (const std::string url :
       {"postgresql://notify:hunter2@db.example/notify",
        "postgresql://notify@db/n?password=hunter2", "postgres://notify:hunter2@[::1"}) {
    auto target = ParsePostgreSQLUrl(url);
    ASSERT_FALSE(target.ok()) << url;
    EXPECT_EQ(target.status().message().find("hunter2"), std::string::npos)
        << target.status().message();
    EXPECT_NE(target.status().remedy().find("password file"), std::string::npos);
  }
}

TEST(PostgreSQLUrl, IsReadIntoLibpqKeywordsWithAConnectTimeout) {
  auto t = ParsePostgreSQLUrl("postgresql://notify@db.example:5433/state?sslmode=verify-full");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t.value().connection_string,
            "host=db.example port=5433 dbname=state user=notify sslmode=verify-full "
            "connect_timeout=10");
  EXPECT_FALSE(ParsePostgreSQLUrl("postgresql://notify@db.example/").ok()) << "no database";
  EXPECT_FALSE(ParsePostgreSQLUrl("postgresql://notify@db/n?options=-c%20x").ok())
      << "not a parameter notify-host passes on";
}

TEST_F(PostgreSQLStateTest, HostsStartingAtOnceMigrateOnceAndShareOneKey) {
  {
    // The key is made once (by the first host, or by hand) and copied to
    // every host before they start.
    auto first = OpenOk(Host());
    ASSERT_TRUE(first);
    EXPECT_EQ(first->dialect(), SqlDialect::kPostgreSQL);
  }
  ASSERT_TRUE(server_->Psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public", database_).rc == 0);
  std::atomic<int> opened{0};
  std::vector<std::string> errors(4);
  std::vector<std::thread> hosts;
  for (int i = 0; i < 4; ++i) {
    hosts.emplace_back([&, i] {
      auto db = StateDatabase::Open(Host());
      if (db.ok() && db.value()->schema_version() == LatestSchemaVersion()) ++opened;
      if (!db.ok()) errors[i] = db.status().message();
    });
  }
  for (auto& t : hosts) t.join();
  EXPECT_EQ(opened.load(), 4) << errors[0] << errors[1] << errors[2] << errors[3];
  EXPECT_EQ(Query("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(Migrations().size()) + "\n")
      << "each migration ran once";
  EXPECT_EQ(Query("SELECT COUNT(*) FROM state_meta WHERE name = 'key_check'"), "1\n");
}

TEST_F(PostgreSQLStateTest, AHostWithAnotherKeyIsRefusedAndTouchesNothing) {
  {
    auto db = OpenOk(Host());
    ASSERT_TRUE(db);
    auto tx = db->BeginWrite();
    RulesetRepository(tx).Put("ops", "fixture", {{"api_key", "the-secret"}}, {"api_key"},
                              std::nullopt, 1000);
    tx.Commit();
  }
  const std::string dump_sql =
      "SELECT string_agg(t, '|' ORDER BY t) FROM (SELECT name || '=' || value AS t FROM "
      "state_meta UNION ALL SELECT ruleset || ':' || setting_key || '=' || setting_value FROM "
      "ruleset_settings UNION ALL SELECT 'v' || version FROM schema_migrations) AS rows";
  const std::string before = Query(dump_sql);
  EXPECT_EQ(before.find("the-secret"), std::string::npos) << "sealed at rest";
  std::ofstream(dir_ / "other.key", std::ios::binary) << std::string(32, 'k');
  ::chmod((dir_ / "other.key").c_str(), 0600);
  auto wrong = StateDatabase::Open(Host("other.key"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("does not open the secrets"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("nothing was changed"), std::string::npos);
  EXPECT_EQ(Query(dump_sql), before);
}

TEST_F(PostgreSQLStateTest, AnUnreachableServerOrUnknownRoleIsAClearError) {
  StateOptions o = Host();
  o.url = "postgresql://nobody-here@/" + database_ + "?host=" + server_->dir().string() +
          "&passfile=" + (server_->dir() / "client" / "pgpass").string();
  auto db = StateDatabase::Open(o);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("cannot be opened"), std::string::npos)
      << db.status().message();
  EXPECT_NE(db.status().remedy().find("password file"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "notify-host.key")) << "no key made for a database not reached";
}

TEST_F(PostgreSQLStateTest, TheRepositoriesStoreAndFindAsOnSQLite) {
  auto db = OpenOk(Host());
  ASSERT_TRUE(db);
  auto tx = db->BeginWrite();
  RulesetRepository rulesets(tx);
  ASSERT_EQ(rulesets.Put("ops", "fixture", {{"target", "a"}, {"api_key", "s3"}}, {"api_key"},
                         std::nullopt, 1000),
            PutOutcome::kStored);
  EXPECT_EQ(rulesets.Put("ops", "fixture", {}, {}, 0, 1001), PutOutcome::kConflict);
  auto found = rulesets.Find("ops");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->settings["api_key"], "s3");
  EXPECT_EQ(found->revision, 1);

  OutboxRepository outbox(tx);
  EXPECT_TRUE(outbox.Enqueue({"n1", "ops", "{}", "<n1@h>", "k1", "h1", 1000}).created);
  EXPECT_FALSE(outbox.Enqueue({"n1b", "ops", "{}", "<x>", "k1", "h1", 1001}).created);
  EXPECT_TRUE(outbox.Enqueue({"n1c", "ops", "{}", "<x>", "k1", "other", 1001}).conflict);
  EXPECT_TRUE(outbox.Enqueue({"n2", "ops", "{}", "<n2@h>", std::nullopt, "h2", 1100}).created);
  EXPECT_EQ(outbox.RulesetsWithDue(2000), std::vector<std::string>{"ops"});
  auto claimed = outbox.ClaimDue("ops", "host-a", 2000, 1000, 1);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, "n1");
  AttemptOutcome unknown{
      {"n1", 1, "host-a", 2000, 2100, "retry_later", 0, "", "outcome unknown", 0},
      "retry_later",
      2100,
      R"({"status":"retry_later"})"};
  EXPECT_TRUE(outbox.RecordAttempt(unknown, 2100));
  EXPECT_EQ(outbox.Attempts("n1").size(), 1u);
  EXPECT_EQ(outbox.CountByStatus()["queued"], 1);
  EXPECT_EQ(outbox.OldestWaitingCreatedAt(), 1000);

  HealthRepository health(tx);
  health.Put({"ops", "failing", 5, "token refused", "fix it", 2, "", 1, 0, 5});
  ASSERT_TRUE(health.Find("ops"));
  EXPECT_EQ(health.Find("ops")->cause, "token refused");
  tx.Commit();
}

TEST_F(PostgreSQLStateTest, AClaimSkipsWhatAnotherHostIsClaimingInsteadOfWaiting) {
  auto a = OpenOk(Host());
  auto b = OpenOk(Host());
  ASSERT_TRUE(a && b);
  {
    auto tx = a->BeginWrite();
    OutboxRepository outbox(tx);
    for (int i = 0; i < 10; ++i)
      outbox.Enqueue({"n" + std::to_string(i), "ops", "{}", "<m" + std::to_string(i) + ">",
                      std::nullopt, "h", 1000 + i});
    tx.Commit();
  }
  auto tx_a = a->BeginWrite();
  auto first = OutboxRepository(tx_a).ClaimDue("ops", "host-a", 5000, 60000, 4);
  ASSERT_EQ(first.size(), 4u);
  // host-a's transaction is still open: its rows are locked, not yet `sending`.
  auto tx_b = b->BeginWrite();
  auto second = OutboxRepository(tx_b).ClaimDue("ops", "host-b", 5000, 60000, 4);
  ASSERT_EQ(second.size(), 4u) << "the next four, without waiting for host-a";
  std::set<std::string> ids;
  for (const auto& n : first) ids.insert(n.id);
  for (const auto& n : second) EXPECT_TRUE(ids.insert(n.id).second) << n.id << " claimed twice";
  tx_b.Commit();
  tx_a.Commit();
}

TEST_F(PostgreSQLStateTest, HostsClaimingAtOnceTakeEachNotificationOnce) {
  std::vector<std::unique_ptr<StateDatabase>> hosts;
  for (int i = 0; i < 3; ++i) hosts.push_back(OpenOk(Host()));
  for (auto& h : hosts) ASSERT_TRUE(h);
  constexpr int kNotifications = 300;
  {
    auto tx = hosts[0]->BeginWrite();
    OutboxRepository outbox(tx);
    for (int i = 0; i < kNotifications; ++i)
      outbox.Enqueue({"n" + std::to_string(i), "ops", "{}", "<m>", std::nullopt, "h", 1000});
    tx.Commit();
  }
  std::mutex mutex;
  std::map<std::string, int> taken;
  std::vector<std::thread> threads;
  for (int h = 0; h < 3; ++h) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, h] {
        const std::string host = "host-" + std::to_string(h);
        for (;;) {
          std::vector<NotificationRecord> claimed;
          {
            auto tx = hosts[h]->BeginWrite();
            claimed = OutboxRepository(tx).ClaimDue("ops", host, 5000, 60000, 7);
            tx.Commit();
          }
          if (claimed.empty()) return;
          std::lock_guard<std::mutex> lock(mutex);
          for (const auto& n : claimed) ++taken[n.id];
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kNotifications));
  for (const auto& [id, times] : taken) EXPECT_EQ(times, 1) << id;
}

TEST_F(PostgreSQLStateTest, ACrashedHostsLeaseLapsesAndAnotherHostTakesItOverWithItsMessageId) {
  auto a = OpenOk(Host());
  auto b = OpenOk(Host());
  ASSERT_TRUE(a && b);
  {
    auto tx = a->BeginWrite();
    OutboxRepository(tx).Enqueue({"n1", "ops", "{}", "<n1@h>", std::nullopt, "h", 1000});
    ASSERT_EQ(OutboxRepository(tx).ClaimDue("ops", "host-a", 2000, 3000, 10).size(), 1u);
    tx.Commit();
  }
  // host-a renews once, then stops renewing (it crashed).
  {
    auto tx = a->BeginWrite();
    OutboxRepository(tx).ExtendLease({"n1"}, "host-a", 6000);
    tx.Commit();
  }
  auto tx = b->BeginWrite();
  OutboxRepository outbox(tx);
  EXPECT_TRUE(outbox.ClaimDue("ops", "host-b", 5999, 3000, 10).empty()) << "host-a's lease holds";
  auto taken = outbox.ClaimDue("ops", "host-b", 6001, 3000, 10);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].message_id, "<n1@h>") << "the same Message-ID as host-a's attempt";
  AttemptOutcome late{
      {"n1", 1, "host-a", 2000, 7000, "delivered", 250, "2.0.0", "OK", 0}, "delivered", 0, "{}"};
  EXPECT_FALSE(outbox.RecordAttempt(late, 7000)) << "host-a's claim was taken over";
  AttemptOutcome done{
      {"n1", 1, "host-b", 6001, 7000, "delivered", 250, "2.0.0", "OK", 0}, "delivered", 0, "{}"};
  EXPECT_TRUE(outbox.RecordAttempt(done, 7000));
  tx.Commit();
}

TEST_F(PostgreSQLStateTest, AStartingHostLeavesAnotherLiveHostsClaimsAlone) {
  auto a = OpenOk(Host());
  auto b = OpenOk(Host());
  ASSERT_TRUE(a && b);
  {
    auto tx = a->BeginWrite();
    OutboxRepository(tx).Enqueue({"n1", "ops", "{}", "<n1@h>", std::nullopt, "h", 1000});
    tx.Commit();
  }
  notify_host::StateDeliveryQueue host_a(*a, "host-a", 60000);
  notify_host::StateDeliveryQueue host_b(*b, "host-b", 60000);
  ASSERT_EQ(host_a.Claim("ops", 2000, 10).size(), 1u);
  host_b.ReleaseAbandonedClaims(3000);  // host-b starts
  auto tx = b->BeginRead();
  auto n1 = OutboxRepository(tx).Find("n1");
  EXPECT_EQ(n1->status, "sending");
  EXPECT_EQ(n1->claimed_by, "host-a");
}

TEST_F(PostgreSQLStateTest, AfterTheServerRestartsTheHostsConnectionsWorkAgain) {
  auto db = OpenOk(Host());
  ASSERT_TRUE(db);
  {
    auto tx = db->BeginWrite();
    OutboxRepository(tx).Enqueue({"n1", "ops", "{}", "<n1@h>", std::nullopt, "h", 1000});
    tx.Commit();
  }
  ASSERT_TRUE(server_->Stop("fast")) << server_->error();
  EXPECT_FALSE(db->Ping());
  // Once the dead connections are gone, a host retrying through the outage
  // is told the server does not answer (and makes no connection that fails:
  // docs/several-hosts.md).
  std::string down;
  EXPECT_TRUE(WaitUntil(
      [&] {
        try {
          db->BeginWrite();
        } catch (const StateError& e) {
          down = std::string(e.what()) + " / " + e.remedy();
        }
        return down.find("does not answer") != std::string::npos;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(10)))
      << down;
  EXPECT_NE(down.find("pg_isready"), std::string::npos) << down;
  ASSERT_TRUE(server_->Start()) << server_->error();
  // The pool's connections died with the server; a write after the restart
  // gets a new one (the first may still fail: the caller retries, as the
  // workers' next round does).
  bool written = WaitUntil(
      [&] {
        try {
          auto tx = db->BeginWrite();
          OutboxRepository(tx).Enqueue({"n2", "ops", "{}", "<n2@h>", std::nullopt, "h", 1001});
          tx.Commit();
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  EXPECT_TRUE(written);
  EXPECT_EQ(Query("SELECT string_agg(id, ',' ORDER BY id) FROM notifications"), "n1,n2\n");
}

}  // namespace

namespace {

// The per-mailbox limit across hosts (docs/several-hosts.md, "Per-mailbox
// limits"): two hosts, each with its own connections to the database, take
// at most the limit together; a slot released on one is free on the other;
// a host that stopped renewing (crashed) loses its slots after their ttl.
// Each host's clock is driven.
TEST_F(PostgreSQLStateTest, TwoHostsShareASlotLimitAndACrashedHostsSlotsLapse) {
  auto a = OpenOk(Host());
  auto b = OpenOk(Host());
  ASSERT_TRUE(a && b);
  std::int64_t now_a = 1'000'000;
  std::int64_t now_b = 1'000'000;
  DatabaseSlotService host_a(*a, "host-a", [&] { return now_a; });
  DatabaseSlotService host_b(*b, "host-b", [&] { return now_b; });
  const std::string mailbox = "alerts@contoso.com";
  const std::chrono::seconds ttl(60);

  const std::string a1 = host_a.TryAcquire(mailbox, 3, ttl);
  const std::string a2 = host_a.TryAcquire(mailbox, 3, ttl);
  const std::string b1 = host_b.TryAcquire(mailbox, 3, ttl);
  ASSERT_FALSE(a1.empty() || a2.empty() || b1.empty());
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "") << "three held across the two hosts";
  EXPECT_EQ(host_a.TryAcquire(mailbox, 3, ttl), "");
  EXPECT_FALSE(host_b.TryAcquire("graph " + mailbox, 4, ttl).empty()) << "another name";

  host_a.Release(a2);
  const std::string b2 = host_b.TryAcquire(mailbox, 3, ttl);
  EXPECT_FALSE(b2.empty()) << "host-a's released slot is free for host-b";
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "");

  // host-b renews while it lives; host-a renews once more, then crashes.
  now_a += 30'000;
  now_b += 30'000;
  EXPECT_TRUE(host_a.RenewHeld());
  EXPECT_TRUE(host_b.RenewHeld());
  now_b += 60'000 - 1;  // 1 ms before host-a's last renewal lapses
  EXPECT_TRUE(host_b.RenewHeld());
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "") << "host-a's slot still holds";
  now_b += 1;
  const std::string taken = host_b.TryAcquire(mailbox, 3, ttl);
  EXPECT_FALSE(taken.empty()) << "host-a's slot lapsed and host-b took it";
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "") << "host-b's renewed slots held";
  EXPECT_EQ(Query("SELECT holder, COUNT(*) FROM slot_leases WHERE name = '" + mailbox +
                  "' GROUP BY holder"),
            "host-b|3\n");
  // A late renewal by host-a brings nothing back over the limit.
  now_a = now_b;
  EXPECT_TRUE(host_a.RenewHeld());
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "");

  // A host that stops frees its slots at once.
  host_b.Close();
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "") << "a closed service gives nothing";
  EXPECT_FALSE(host_a.TryAcquire(mailbox, 3, ttl).empty());
}

// Hosts taking slots at once never take more than the limit together: the
// advisory lock on the name makes count-then-insert one step.
TEST_F(PostgreSQLStateTest, HostsTakingSlotsAtOnceStayWithinTheLimit) {
  std::vector<std::unique_ptr<StateDatabase>> dbs;
  for (int i = 0; i < 3; ++i) dbs.push_back(OpenOk(Host()));
  for (auto& db : dbs) ASSERT_TRUE(db);
  std::vector<std::unique_ptr<DatabaseSlotService>> hosts;
  for (int i = 0; i < 3; ++i) {
    hosts.push_back(std::make_unique<DatabaseSlotService>(*dbs[i], "host-" + std::to_string(i),
                                                          [] { return std::int64_t{1000}; }));
  }
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, i] {
        for (int k = 0; k < 5; ++k) {
          if (!hosts[i]->TryAcquire("busy@contoso.com", 3, std::chrono::seconds(60)).empty()) {
            ++taken;
          }
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 3);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM slot_leases"), "3\n");
}

}  // namespace

namespace {

// A server restart in the middle (docs/several-hosts.md, "Per-mailbox
// limits"): the releases made while it is down fail, a host asking for a
// slot then gets none (and does not hang), and once the server is back the
// renewer deletes the released rows instead of renewing them: no slot is
// lost, the other host gets all of them at once.
TEST_F(PostgreSQLStateTest, AServerRestartInTheMiddleLosesNoSlot) {
  auto a = OpenOk(Host());
  auto b = OpenOk(Host());
  ASSERT_TRUE(a && b);
  std::int64_t now_ms = 1'000'000;
  DatabaseSlotService host_a(*a, "host-a", [&] { return now_ms; });
  DatabaseSlotService host_b(*b, "host-b", [&] { return now_ms; });
  const std::string mailbox = "alerts@contoso.com";
  const std::chrono::seconds ttl(20);
  std::vector<std::string> held;
  for (int i = 0; i < 3; ++i) held.push_back(host_a.TryAcquire(mailbox, 3, ttl));
  for (const auto& token : held) ASSERT_FALSE(token.empty());

  ASSERT_TRUE(server_->Stop("fast")) << server_->error();
  for (const auto& token : held) host_a.Release(token);
  EXPECT_EQ(host_a.ReleasesPending(), 3) << "the server is down: no delete went through";
  EXPECT_EQ(host_b.TryAcquire(mailbox, 3, ttl), "") << "no slot without the database";
  now_ms += 1000;
  EXPECT_FALSE(host_a.RenewHeld());
  ASSERT_TRUE(server_->Start()) << server_->error();

  // The pool's first connections may still be the dead ones: the renewer's
  // next rounds get new ones. The hosts' clocks stay 1 s after the last
  // renewal: no row can lapse, only a delete frees a slot.
  EXPECT_TRUE(WaitUntil([&] { return host_a.RenewHeld() && host_a.ReleasesPending() == 0; },
                        std::chrono::seconds(30), std::chrono::milliseconds(100)));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM slot_leases"), "0\n");
  std::vector<std::string> taken;
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::string token = host_b.TryAcquire(mailbox, 3, ttl);
        if (!token.empty()) taken.push_back(token);
        return taken.size() == 3;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << "host-b got " << taken.size() << " of the 3 slots";
}

}  // namespace
