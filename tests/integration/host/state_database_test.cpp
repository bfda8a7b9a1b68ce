// The state database through its C++ interface (samples/host/state/), on a
// real SQLite file: migrations, the host key, sealed secrets, and the outbox,
// health and API key repositories the service builds on.
#include "state/state_database.hpp"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <optional>

#include "notify/test_support/command_run.hpp"
#include "state/api_key_repository.hpp"
#include "state/health_repository.hpp"
#include "state/host_key.hpp"
#include "state/outbox_repository.hpp"
#include "state/ruleset_repository.hpp"
#include "state/schema_migrations.hpp"
#include "state/secret_box.hpp"

namespace {

namespace fs = std::filesystem;
using namespace notify_host::state;
using namespace Poco::Data::Keywords;
using notify::test_support::ReadWholeFile;

class StateDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("notify-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  StateOptions Options() const {
    StateOptions o;
    o.base_dir = dir_.string();
    o.key_file = "notify-host.key";
    return o;
  }
  std::unique_ptr<StateDatabase> OpenOk(int max_connections = StateOptions().max_connections) {
    StateOptions options = Options();
    options.max_connections = max_connections;
    auto db = StateDatabase::Open(options);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  // Runs raw SQL on the file, as someone with the file but not the key could.
  void Sql(const std::string& sql) {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", (dir_ / "state.db").string());
    s << sql, now;
  }
  void SaveRuleset(StateDatabase& db, const std::string& name, const std::string& secret) {
    auto tx = db.BeginWrite();
    ASSERT_EQ(RulesetRepository(tx).Put(name, "fixture", {{"target", "alpha"}, {"api_key", secret}},
                                        {"api_key"}, std::nullopt, 1000),
              PutOutcome::kStored);
    tx.Commit();
  }

  fs::path dir_;
};

TEST(SecretBox, SealsWithAFreshNonceAndOpensOnlyWithTheSameKeyAndRow) {
  HostKey key{};
  key.fill(7);
  SecretBox box(key);
  const std::string context = SecretBox::SettingContext("r1", "client_secret");
  const std::string a = box.Seal("s3cret", context);
  const std::string b = box.Seal("s3cret", context);
  EXPECT_NE(a, b) << "a random nonce per value";
  EXPECT_EQ(a.rfind("gcm1:", 0), 0u);
  EXPECT_EQ(a.find("s3cret"), std::string::npos);
  EXPECT_EQ(box.Open(a, context), "s3cret");
  EXPECT_EQ(box.Open(a, SecretBox::SettingContext("r2", "client_secret")), std::nullopt);
  EXPECT_EQ(box.Open(a, SecretBox::SettingContext("r1", "other")), std::nullopt);
  std::string changed = a;
  changed[10] = changed[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(box.Open(changed, context), std::nullopt);
  EXPECT_EQ(box.Open("s3cret", context), std::nullopt) << "plain text is not a sealed value";
  HostKey other = key;
  other[0] = 8;
  EXPECT_EQ(SecretBox(other).Open(a, context), std::nullopt);
  EXPECT_EQ(box.Open(box.Seal("", context), context), "") << "an empty secret round-trips";
}

TEST_F(StateDatabaseTest, MigratesAnEmptyDatabaseAndOpeningAgainChangesNothing) {
  {
    auto db = OpenOk();
    ASSERT_TRUE(db);
    EXPECT_EQ(db->schema_version(), LatestSchemaVersion());
    EXPECT_TRUE(db->Ping());
  }
  for (int i = 0; i < 2; ++i) {
    auto db = OpenOk();
    ASSERT_TRUE(db);
    EXPECT_EQ(db->schema_version(), LatestSchemaVersion());
    auto tx = db->BeginRead();
    int rows = 0;
    tx.session() << "SELECT COUNT(*) FROM schema_migrations", into(rows), now;
    EXPECT_EQ(rows, static_cast<int>(Migrations().size())) << "each migration ran once";
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "state.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat((dir_ / "notify-host.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(st.st_size, 32);
}

TEST_F(StateDatabaseTest, AThreadWaitsForAConnectionWhenAllAreInUseAndGetsTheFirstFreed) {
  auto opened = OpenOk(2);
  ASSERT_TRUE(opened);
  auto& db = *opened;
  std::optional<Transaction> first(db.BeginRead());
  Transaction second = db.BeginRead();
  std::promise<void> asking;
  auto third = std::async(std::launch::async, [&] {
    asking.set_value();
    Transaction tx = db.BeginRead();  // all in use: waits instead of failing
    int one = 0;
    tx.session() << "SELECT 1", into(one), now;
    return one;
  });
  asking.get_future().wait();
  first.reset();
  EXPECT_EQ(third.get(), 1);
}

TEST_F(StateDatabaseTest, AConnectionThatStaysInUseEndsTheWaitWithAClearError) {
  auto opened = OpenOk(1);
  ASSERT_TRUE(opened);
  auto& db = *opened;
  Transaction held = db.BeginRead();
  try {
    Transaction tx = db.BeginRead();
    FAIL() << "a second connection past max_connections";
  } catch (const StateError& e) {
    EXPECT_NE(
        std::string(e.what()).find("all 1 connections stayed in use for " +
                                   std::to_string(StateDatabase::kConnectionWait.count()) + " s"),
        std::string::npos)
        << e.what();
    EXPECT_NE(e.remedy().find("retries"), std::string::npos) << e.remedy();
  }
}

TEST_F(StateDatabaseTest, MigratesADatabaseOfVersionOneForward) {
  // A version 1 database, as the first build with a state database left it.
  {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session s("SQLite", (dir_ / "state.db").string());
    s << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL)",
        now;
    for (const auto& sql : Migrations().front().statements) s << sql, now;
    s << "INSERT INTO schema_migrations VALUES (1, 'v1')", now;
    s << "INSERT INTO channel_health (ruleset, state, since, cause, remedy, "
         "consecutive_failures, warning, updated_at) VALUES ('r', 'ok', 1, '', '', 0, '', 1)",
        now;
  }
  auto db = OpenOk();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), LatestSchemaVersion());
  auto tx = db->BeginRead();
  auto health = HealthRepository(tx).Find("r");
  ASSERT_TRUE(health.has_value()) << "the rows of version 1 are kept";
  EXPECT_EQ(health->failing_revision, 0);
}

TEST_F(StateDatabaseTest, ADatabaseNewerThanTheBuildIsRefusedAndLeftAsItWas) {
  { ASSERT_TRUE(OpenOk()); }
  Sql("INSERT INTO schema_migrations (version, description) VALUES (99, 'from the future')");
  const std::string before = ReadWholeFile(dir_ / "state.db");
  auto db = StateDatabase::Open(Options());
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("schema version 99"), std::string::npos)
      << db.status().message();
  EXPECT_EQ(ReadWholeFile(dir_ / "state.db"), before);
}

TEST_F(StateDatabaseTest, AWrongKeyIsAClearErrorAndTheDatabaseIsUnchanged) {
  {
    auto db = OpenOk();
    ASSERT_TRUE(db);
    SaveRuleset(*db, "r1", "the-secret-value");
  }
  const std::string before = ReadWholeFile(dir_ / "state.db");
  {
    std::ofstream(dir_ / "notify-host.key", std::ios::trunc | std::ios::binary)
        << std::string(32, 'k');
  }
  auto db = StateDatabase::Open(Options());
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("does not open the secrets"), std::string::npos)
      << db.status().message();
  EXPECT_NE(db.status().message().find("nothing was changed"), std::string::npos);
  EXPECT_NE(db.status().remedy().find("key file the database was created with"), std::string::npos);
  EXPECT_EQ(ReadWholeFile(dir_ / "state.db"), before);
  EXPECT_FALSE(fs::exists(dir_ / "state.db-wal"));
}

TEST_F(StateDatabaseTest, AMissingKeyIsAnErrorNotANewKeyWhenSecretsAreStored) {
  {
    auto db = OpenOk();
    ASSERT_TRUE(db);
  }
  fs::remove(dir_ / "notify-host.key");
  auto db = StateDatabase::Open(Options());
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("is missing"), std::string::npos) << db.status().message();
  EXPECT_FALSE(fs::exists(dir_ / "notify-host.key"));
}

TEST_F(StateDatabaseTest, KeyFilesOpenToOthersOrBehindALinkAreRefused) {
  std::ofstream(dir_ / "open.key", std::ios::binary) << std::string(32, 'k');
  fs::permissions(dir_ / "open.key", fs::perms::owner_read | fs::perms::group_read);
  auto open = LoadHostKey((dir_ / "open.key").string(), true);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("open to group or others (mode 440)"), std::string::npos)
      << open.status().message();
  EXPECT_NE(open.status().remedy().find("chmod 600"), std::string::npos);

  fs::permissions(dir_ / "open.key", fs::perms::owner_read);
  fs::create_symlink(dir_ / "open.key", dir_ / "link.key");
  auto link = LoadHostKey((dir_ / "link.key").string(), true);
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.status().message().find("symbolic link"), std::string::npos)
      << link.status().message();

  std::ofstream(dir_ / "short.key", std::ios::binary) << "short";
  fs::permissions(dir_ / "short.key", fs::perms::owner_read);
  auto short_key = LoadHostKey((dir_ / "short.key").string(), false);
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.status().message().find("exactly 32 bytes"), std::string::npos);
}

TEST_F(StateDatabaseTest, TheKeyComesFromSystemdCredentialsWhenNoneIsConfigured) {
  fs::create_directories(dir_ / "creds");
  ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "creds").c_str(), 1);
  EXPECT_EQ(HostKeyPath("", dir_.string()), (dir_ / "notify-host.key").string())
      << "no credential given: beside the settings";
  std::ofstream(dir_ / "creds" / "notify-host.key") << std::string(32, 'c');
  EXPECT_EQ(HostKeyPath("", dir_.string()), (dir_ / "creds" / "notify-host.key").string());
  EXPECT_EQ(HostKeyPath("/etc/k", dir_.string()), "/etc/k") << "secrets.key_file comes first";
  ::unsetenv("CREDENTIALS_DIRECTORY");
}

TEST_F(StateDatabaseTest, SecretsAreSealedAndASealedValueMovedToAnotherRowDoesNotOpen) {
  auto db = OpenOk();
  ASSERT_TRUE(db);
  SaveRuleset(*db, "r1", "secret-of-r1");
  SaveRuleset(*db, "r2", "secret-of-r2");
  {
    auto tx = db->BeginRead();
    auto r1 = RulesetRepository(tx).Find("r1");
    ASSERT_TRUE(r1.has_value());
    EXPECT_EQ(r1->settings.at("api_key"), "secret-of-r1");
    EXPECT_EQ(r1->settings.at("target"), "alpha");
    EXPECT_EQ(r1->sealed_keys, std::set<std::string>{"api_key"});
    EXPECT_EQ(r1->revision, 1);
  }
  EXPECT_EQ(ReadWholeFile(dir_ / "state.db").find("secret-of-r1"), std::string::npos);
  Sql("UPDATE ruleset_settings SET setting_value = (SELECT setting_value FROM ruleset_settings "
      "WHERE ruleset = 'r1' AND setting_key = 'api_key') WHERE ruleset = 'r2' AND "
      "setting_key = 'api_key'");
  auto tx = db->BeginRead();
  try {
    RulesetRepository(tx).Find("r2");
    ADD_FAILURE() << "a value sealed for r1 opened as r2's";
  } catch (const StateError& e) {
    EXPECT_NE(std::string(e.what()).find("api_key of ruleset r2 does not decrypt"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(StateDatabaseTest, APutFromAnOlderRevisionIsAConflictAndStoresNothing) {
  auto db = OpenOk();
  ASSERT_TRUE(db);
  SaveRuleset(*db, "r1", "first");
  auto tx = db->BeginWrite();
  RulesetRepository rulesets(tx);
  EXPECT_EQ(rulesets.Put("r1", "fixture", {{"target", "x"}}, {}, 0, 2000), PutOutcome::kConflict);
  EXPECT_EQ(rulesets.Put("r1", "fixture", {{"target", "y"}}, {}, 1, 2000), PutOutcome::kStored);
  EXPECT_EQ(rulesets.Find("r1")->settings.at("target"), "y");
  EXPECT_EQ(rulesets.Revision("r1"), 2);
  EXPECT_TRUE(rulesets.Remove("r1"));
  EXPECT_FALSE(rulesets.Remove("r1"));
  EXPECT_FALSE(rulesets.Find("r1").has_value());
}

TEST_F(StateDatabaseTest, TheOutboxEnqueuesOnceClaimsUnderALeaseAndRecordsAttempts) {
  auto db = OpenOk();
  ASSERT_TRUE(db);
  auto tx = db->BeginWrite();
  OutboxRepository outbox(tx);
  NewNotification n{"n1", "ops", R"({"to":["a@contoso.com"]})", "<n1@host>", "key-1", "h1", 1000};
  EXPECT_TRUE(outbox.Enqueue(n).created);
  auto again = outbox.Enqueue({"n1b", "ops", "{}", "<n1b@host>", "key-1", "h1", 1100});
  EXPECT_FALSE(again.created);
  EXPECT_FALSE(again.conflict);
  EXPECT_EQ(again.id, "n1");
  EXPECT_TRUE(outbox.Enqueue({"n1c", "ops", "{}", "<x>", "key-1", "other body", 1100}).conflict);
  EXPECT_TRUE(outbox.Enqueue({"n2", "ops", "{}", "<n2@host>", std::nullopt, "h2", 1200}).created);
  EXPECT_TRUE(outbox.Enqueue({"n3", "ops", "{}", "<n3@host>", std::nullopt, "h3", 1300}).created);
  EXPECT_EQ(outbox.CountByStatus()["queued"], 3);

  EXPECT_TRUE(outbox.RulesetsWithDue(999).empty()) << "not due before it was stored";
  EXPECT_EQ(outbox.RulesetsWithDue(2000), std::vector<std::string>{"ops"});
  auto claimed = outbox.ClaimDue("ops", "host-a", 2000, 60000, 2);
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].id, "n1") << "oldest first";
  EXPECT_EQ(claimed[0].status, "sending");
  EXPECT_EQ(claimed[0].message_id, "<n1@host>");
  EXPECT_EQ(claimed[0].claimed_by, "host-a");
  EXPECT_EQ(outbox.ClaimDue("ops", "host-b", 2000, 60000, 10).size(), 1u) << "only n3 is left";

  AttemptOutcome later{{"n1", 1, "host-a", 2000, 2100, "retry_later", 451, "4.3.2", "busy", 30},
                       "retry_later",
                       32100,
                       R"({"status":"retry_later"})"};
  EXPECT_TRUE(outbox.RecordAttempt(later, 2100));
  auto n1 = outbox.Find("n1");
  EXPECT_EQ(n1->status, "retry_later");
  EXPECT_EQ(n1->attempts, 1);
  EXPECT_EQ(n1->next_attempt_at_ms, 32100);
  EXPECT_FALSE(n1->claimed_by.has_value());
  EXPECT_TRUE(outbox.RulesetsWithDue(32099).empty()) << "n2, n3 are held, n1 waits";
  EXPECT_EQ(outbox.ClaimDue("ops", "host-a", 32100, 60000, 10).size(), 1u) << "n1 again";
  AttemptOutcome done{{"n1", 2, "host-a", 32100, 32200, "delivered", 250, "2.0.0", "OK", 0},
                      "delivered",
                      0,
                      R"({"status":"delivered"})"};
  EXPECT_TRUE(outbox.RecordAttempt(done, 32200));
  EXPECT_EQ(outbox.Attempts("n1").size(), 2u);
  EXPECT_EQ(outbox.Attempts("n1")[0].code, 451);
  EXPECT_EQ(outbox.Find("n1")->message_id, "<n1@host>") << "the same Message-ID at every attempt";

  // host-a's lease on n2 lapses; host-b takes it over; host-a's late result is refused.
  auto taken = outbox.ClaimDue("ops", "host-b", 62001, 60000, 10);
  ASSERT_EQ(taken.size(), 2u) << "n2 and n3, both leases lapsed";
  AttemptOutcome stale{
      {"n2", 1, "host-a", 2000, 62002, "delivered", 250, "2.0.0", "OK", 0}, "delivered", 0, "{}"};
  EXPECT_FALSE(outbox.RecordAttempt(stale, 62002));
  EXPECT_EQ(outbox.Find("n2")->status, "sending");
  EXPECT_EQ(outbox.Find("n2")->claimed_by, "host-b");

  EXPECT_EQ(outbox.ReleaseClaims("host-b", 70000), 2u);
  EXPECT_EQ(outbox.Find("n2")->status, "queued");
  EXPECT_EQ(outbox.OldestWaitingCreatedAt(), 1200);
  auto expired = outbox.ExpireCreatedBefore(1250, 80000);
  ASSERT_EQ(expired.size(), 1u) << "n2 only; n1 is delivered";
  EXPECT_EQ(expired[0].first, "n2");
  EXPECT_EQ(outbox.Find("n2")->status, "expired");
  auto counts = outbox.CountByStatus();
  EXPECT_EQ(counts["delivered"], 1);
  EXPECT_EQ(counts["expired"], 1);
  EXPECT_EQ(counts["queued"], 1);
  tx.Commit();
}

TEST_F(StateDatabaseTest, HealthAndApiKeysAreStoredAndFound) {
  auto db = OpenOk();
  ASSERT_TRUE(db);
  auto tx = db->BeginWrite();
  HealthRepository health(tx);
  EXPECT_FALSE(health.Find("ops").has_value());
  health.Put({"ops", "failing", 10, "token refused", "re-enter the secret", 3, "", 7, 0, 11});
  health.Put({"ops", "failing", 10, "token refused", "re-enter the secret", 4, "", 7, 0, 12});
  ASSERT_EQ(health.All().size(), 1u);
  EXPECT_EQ(health.Find("ops")->consecutive_failures, 4);
  EXPECT_EQ(health.Find("ops")->failing_revision, 7);

  ApiKeyRepository keys(tx);
  EXPECT_TRUE(keys.Add({"ci", "0011223344556677", std::string(64, 'a'), 5}));
  EXPECT_FALSE(keys.Add({"ci", "8899aabbccddeeff", std::string(64, 'b'), 6})) << "name taken";
  EXPECT_FALSE(keys.Add({"other", "0011223344556677", std::string(64, 'c'), 6})) << "id taken";
  EXPECT_EQ(keys.FindById("0011223344556677")->name, "ci");
  EXPECT_EQ(keys.List().size(), 1u);
  EXPECT_TRUE(keys.Remove("ci"));
  EXPECT_FALSE(keys.FindByName("ci").has_value());
  tx.Commit();
}

}  // namespace
