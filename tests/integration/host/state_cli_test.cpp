// The state database through the real notify-host binary: what someone with
// the files can read, a wrong key, concurrent saves, a save killed with
// SIGKILL, and import-rulesets (docs/security.md, "The host key";
// docs/architecture.md, "State database").
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>

#include "host_dir.hpp"
#include "host_process.hpp"
#include "state_text.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::Fixture;
using host_test::HostDir;
using notify::test_support::CommandRun;
using notify::test_support::ReadWholeFile;
using notify::test_support::RunCommand;

constexpr char kSecret[] = "hunter2-very-secret-value";

// The state database and the key in their own directory, as on an installed
// host (/var/lib/notify-host), so the test can see everything written there.
class StateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so");
    fs::create_directories(state());
    dir_.WriteSettings("fixture_good", kStateSettings);
  }

  fs::path state() const { return dir_.path / "state"; }
  std::string Stored() const { return host_test::RulesetsText(state()); }

  CommandRun SaveFixture(const std::string& name, const std::string& key) const {
    return dir_.Host(
        {"ruleset", "save", name, "--channel", "fixture", "--set", "target=a", "--set",
         "api_key=" + key});
  }

  // The names in the state directory.
  std::set<std::string> StateFiles() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(state())) names.insert(e.path().filename());
    return names;
  }
  // Nothing in the state directory but the database, its WAL files and the key.
  void ExpectOnlyStateFiles() const {
    const std::set<std::string> allowed = {"state.db", "state.db-wal", "state.db-shm",
                                           "notify-host.key"};
    for (const auto& name : StateFiles()) EXPECT_TRUE(allowed.count(name)) << name;
    for (const auto& e : fs::directory_iterator(state()))
      EXPECT_FALSE(fs::is_symlink(e.symlink_status())) << e.path();
  }

  static constexpr char kStateSettings[] =
      "state.url = sqlite:state/state.db\nsecrets.key_file = state/notify-host.key\n";
  HostDir dir_{"state"};
};

TEST_F(StateCli, ADumpOfTheDatabaseShowsNoSecret) {
  ASSERT_EQ(SaveFixture("r1", kSecret).rc, 0);
  CommandRun dump = RunCommand("sqlite3", {(state() / "state.db").string(), ".dump"}, dir_.path);
  ASSERT_EQ(dump.rc, 0) << dump.err;
  EXPECT_NE(dump.out.find("INSERT INTO ruleset_settings VALUES('r1','api_key','gcm1:"),
            std::string::npos)
      << dump.out;
  EXPECT_NE(dump.out.find("'target','a'"), std::string::npos) << "other settings stay readable";
  EXPECT_EQ(dump.out.find(kSecret), std::string::npos);
  for (const auto& e : fs::directory_iterator(state()))
    EXPECT_EQ(ReadWholeFile(e.path()).find(kSecret), std::string::npos) << e.path();
  EXPECT_NE(Stored().find(kSecret), std::string::npos) << "the key opens it";
}

TEST_F(StateCli, AWrongKeyStopsEveryCommandAndTouchesNothing) {
  ASSERT_EQ(SaveFixture("r1", kSecret).rc, 0);
  const std::string before = ReadWholeFile(state() / "state.db");
  {
    std::ofstream(state() / "notify-host.key", std::ios::trunc | std::ios::binary)
        << std::string(32, 'w');
  }
  for (const auto& args : {std::vector<std::string>{"ruleset", "show", "r1"},
                           std::vector<std::string>{"ruleset", "save", "r2", "--channel",
                                                    "fixture", "--set", "target=a", "--set",
                                                    "api_key=k"},
                           std::vector<std::string>{"ruleset", "delete", "r1"}}) {
    CommandRun r = dir_.Host(args);
    EXPECT_EQ(r.rc, 1) << args[1] << r.out << r.err;
    EXPECT_NE(r.err.find("does not open the secrets in the state database"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos);
  }
  EXPECT_EQ(ReadWholeFile(state() / "state.db"), before);
  ExpectOnlyStateFiles();
}

TEST_F(StateCli, TwentyConcurrentSavesOfDifferentNamesAreAllStored) {
  // All start on an empty state directory: they also race to create the key
  // and to migrate the new database.
  constexpr int kSaves = 20;
  fs::create_directories(dir_.path / "logs");
  std::vector<pid_t> pids;
  for (int i = 0; i < kSaves; ++i) {
    std::string log = (dir_.path / "logs" / std::to_string(i)).string();
    int null = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pids.push_back(host_test::Spawn(
        NOTIFY_HOST_BIN,
        dir_.Args({"ruleset", "save", "r" + std::to_string(i), "--channel", "fixture", "--set",
                   "target=t" + std::to_string(i), "--set", "api_key=k" + std::to_string(i)}),
        null, out, out));
    ::close(null);
    ::close(out);
  }
  for (int i = 0; i < kSaves; ++i) {
    EXPECT_EQ(host_test::WaitFor(pids[i], std::chrono::seconds(120)), 0)
        << ReadWholeFile(dir_.path / "logs" / std::to_string(i));
  }
  const std::string stored = Stored();
  for (int i = 0; i < kSaves; ++i) {
    std::string name = "r" + std::to_string(i);
    EXPECT_NE(stored.find("\"" + name + "\""), std::string::npos) << name << " lost";
    EXPECT_NE(stored.find("\"k" + std::to_string(i) + "\""), std::string::npos);
  }
  ExpectOnlyStateFiles();
}

// The Microsoft 365 channel, whose live checks connect to a token endpoint
// the test holds open: the save waits there, half done, until killed.
class StateCliKill : public StateCli {
 protected:
  void SetUp() override {
    StateCli::SetUp();
    dir_.AddPlugin(M365_PLUGIN_FILE, "m365_oauth_smtp.so");
    dir_.WriteSettings("m365_oauth_smtp", kStateSettings);
  }
  std::vector<std::string> Save(const std::string& authority, const std::string& secret,
                                bool offline) const {
    std::vector<std::string> args = {"ruleset", "save", "r1", "--channel", "m365_oauth_smtp"};
    for (const std::string& kv :
         {"server_name=Contoso", "from_email=alerts@contoso.com",
          "client_id=11111111-2222-3333-4444-555555555555", "tenant_id=contoso.onmicrosoft.com",
          "smtp_host=localhost", "timeout=60"})
      args.insert(args.end(), {"--set", kv});
    args.insert(args.end(), {"--set", "authority_url=" + authority, "--set",
                             "client_secret=" + secret});
    if (offline) args.push_back("--offline");
    return args;
  }
};

TEST_F(StateCliKill, ASaveKilledWhileItRunsLeavesThePreviousState) {
  ASSERT_EQ(dir_.Host(Save("https://login.contoso.example", "first-secret", true)).rc, 0);
  const std::string before = Stored();
  ASSERT_NE(before.find("first-secret"), std::string::npos) << before;

  Poco::Net::ServerSocket token_endpoint(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string authority =
      "https://127.0.0.1:" + std::to_string(token_endpoint.address().port());
  int null = ::open("/dev/null", O_RDWR);
  pid_t pid = host_test::Spawn(NOTIFY_HOST_BIN,
                               dir_.Args(Save(authority, "second-secret", false)), null, null,
                               null);
  ::close(null);
  // The save is inside its live checks once it connects to the token endpoint.
  bool connected = host_test::WaitUntil(
      [&] { return token_endpoint.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ); });
  ASSERT_TRUE(connected) << "the save never reached its token step";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(host_test::WaitFor(pid), 128 + SIGKILL);

  EXPECT_EQ(Stored(), before) << "the previous ruleset, its secret included";
  CommandRun check = RunCommand(
      "sqlite3", {(state() / "state.db").string(), "PRAGMA integrity_check"}, dir_.path);
  EXPECT_EQ(check.out, "ok\n") << check.err;
  ExpectOnlyStateFiles();
  EXPECT_EQ(dir_.Host({"ruleset", "show", "r1"}).rc, 0);
}

TEST_F(StateCli, ImportRulesetsBringsTheJsonFileInWithItsSecretsSealed) {
  std::ofstream(dir_.path / "old.json")
      << R"({"version": 1, "rulesets": {)"
      << R"("ops": {"channel": "fixture", "settings": {"target": "a", "api_key": "ops-secret-1"}},)"
      << R"("gone": {"channel": "unloaded_channel", "settings": {"password": "gone-secret-2"}},)"
      << R"("bad name": {"channel": "fixture", "settings": {}}}})";
  CommandRun r = dir_.Host({"import-rulesets", (dir_.path / "old.json").string()});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("imported 'ops'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("imported 'gone'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped 'bad name'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 of 3 rulesets imported"), std::string::npos) << r.out;

  const std::string stored = Stored();
  EXPECT_NE(stored.find("ops-secret-1"), std::string::npos) << stored;
  EXPECT_NE(stored.find("gone-secret-2"), std::string::npos) << stored;
  CommandRun dump = RunCommand("sqlite3", {(state() / "state.db").string(), ".dump"}, dir_.path);
  EXPECT_EQ(dump.out.find("ops-secret-1"), std::string::npos);
  EXPECT_EQ(dump.out.find("gone-secret-2"), std::string::npos)
      << "a channel that is not loaded: every value sealed";
  CommandRun shown = dir_.Host({"ruleset", "show", "gone"});
  EXPECT_EQ(shown.rc, 0) << shown.err;
  EXPECT_NE(shown.out.find("password = ********"), std::string::npos) << shown.out;

  ASSERT_EQ(SaveFixture("ops", "newer-secret").rc, 0);
  r = dir_.Host({"import-rulesets", (dir_.path / "old.json").string()});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("kept 'ops'"), std::string::npos) << r.out;
  EXPECT_NE(Stored().find("newer-secret"), std::string::npos) << "the database's own is kept";

  std::ofstream(dir_.path / "broken.json") << "{ not json";
  r = dir_.Host({"import-rulesets", (dir_.path / "broken.json").string()});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("is corrupt"), std::string::npos) << r.err;
  EXPECT_EQ(dir_.Host({"import-rulesets", (dir_.path / "none.json").string()}).rc, 2);
}

}  // namespace
