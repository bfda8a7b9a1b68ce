// Several `notify-host serve` on one PostgreSQL (docs/several-hosts.md), as
// an administrator runs them: three host directories with the same key and
// state.url, a PostgreSQL server the test starts in a temporary directory,
// the Microsoft 365 emulator with one mailbox at its real limit of 3
// connections. Notifications are posted round-robin to the three hosts.
//
// Proofs: every notification delivered exactly once (a repeat only with the
// same Message-ID, and only for what a killed host had claimed), the mailbox
// never above 3 connections and never answered 432, a host killed with -9
// has its work finished by the others once its leases lapse and rejoins when
// restarted, and a PostgreSQL restart loses and repeats nothing.
// NOTIFY_LONG_PROOFS=1 (ctest -L long) runs the long forms and the
// throughput figures for 1, 2 and 3 hosts.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "notify/test_support/postgres_server.hpp"
#include "serve_fixture.hpp"

namespace {

using namespace serve_test;
using notify::test_support::PostgresServer;
using notify::test_support::WaitUntil;
using std::chrono::seconds;

bool LongForm() { return std::getenv("NOTIFY_LONG_PROOFS") != nullptr; }

// Deliver calls a host makes at once (delivery.workers) and the ruleset's
// batch (batch_size = small: 10 messages a call, docs/channel-settings.md):
// a killed host holds, and can have sent twice, at most their product.
constexpr int kWorkers = 2;
constexpr int kBatch = 10;

struct Host {
  std::unique_ptr<host_test::HostDir> dir;
  pid_t pid = -1;
  int port = 0;
};

class SeveralHosts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new PostgresServer; }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    database_ = "h" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
    ASSERT_TRUE(server_->CreateDatabase(database_));
    m365emu::Config config = m365emu::DemoConfig();
    config.limits.messages_per_minute = 1000000;  // the connection limit is the subject
    emu_dir_ = std::make_unique<host_test::HostDir>("emulator");
    emulator_ = std::make_unique<m365emu::Emulator>(config, (emu_dir_->path / "emu").string());
  }
  void TearDown() override {
    for (auto& h : hosts_) Stop(h, SIGKILL);
    hosts_.clear();
    emulator_.reset();
  }

  // `count` hosts on the test's database; the first saves the ruleset and
  // makes the key and an API key, the others get a copy of its key file.
  void Prepare(int count, const std::string& more_settings,
               const std::vector<std::pair<std::string, std::string>>& rulesets = {
                   {"ops", m365emu::kDemoMailbox}}) {
    for (int i = 0; i < count; ++i) {
      Host h;
      h.dir = std::make_unique<host_test::HostDir>("host" + std::to_string(i));
      h.dir->AddPlugin(M365_PLUGIN_FILE, "m365_oauth_smtp.so");
      // application_name tells the hosts' database sessions apart.
      h.dir->WriteSettings("m365_oauth_smtp", "state.url = " + server_->Url(database_) +
                                                  "&application_name=" + SessionName(i) +
                                                  "\nhttp.port = 0\n"
                                                  "delivery.poll_interval_ms = 50\n" +
                                                  more_settings);
      if (i == 0) {
        for (const auto& [name, mailbox] : rulesets) {
          std::vector<std::string> args = {"ruleset", "save", name, "--channel", "m365_oauth_smtp"};
          for (const auto& kv : RulesetSettings(mailbox)) args.insert(args.end(), {"--set", kv});
          auto saved = h.dir->Host(args);
          ASSERT_EQ(saved.rc, 0) << saved.out << saved.err;
        }
        auto key = h.dir->Host({"api-key", "create", "tests"});
        ASSERT_EQ(key.rc, 0) << key.err;
        key_ = key.out.substr(0, key.out.find('\n'));
      } else {
        fs::copy_file(hosts_[0].dir->path / "notify-host.key", h.dir->path / "notify-host.key");
        fs::permissions(h.dir->path / "notify-host.key",
                        fs::perms::owner_read | fs::perms::owner_write);
      }
      hosts_.push_back(std::move(h));
    }
  }
  std::vector<std::string> RulesetSettings(const std::string& mailbox) const {
    return {"server_name=several hosts",
            "port=" + std::to_string(emulator_->smtp_port()),
            "timeout=10",
            "batch_size=small",  // kBatch
            "from_email=" + mailbox,
            std::string("client_id=") + m365emu::kDemoClientId,
            std::string("client_secret=") + m365emu::kDemoSecretValue,
            std::string("tenant_id=") + m365emu::kDemoTenantId,
            "smtp_host=localhost",
            "authority_url=" + emulator_->authority(),
            "ca_file=" + emulator_->ca_file()};
  }

  static std::string SessionName(std::size_t host) { return "host" + std::to_string(host); }

  // Freezes host `index` (SIGSTOP) at a moment it holds claims and none of
  // its database sessions is running a statement: what it committed is
  // visible, what it had not committed the kill rolls back. Returns the ids
  // of the notifications it holds then, comma-separated; empty on timeout.
  std::string FreezeHoldingClaims(std::size_t index, seconds limit) {
    const Host& h = hosts_[index];
    const std::string holds =
        "SELECT string_agg(id, ',') FROM notifications WHERE status = "
        "'sending' AND claimed_by LIKE '%:" +
        std::to_string(h.pid) + "'";
    const std::string busy = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '" +
                             SessionName(index) + "' AND state = 'active'";
    std::string held;
    WaitUntil(
        [&] {
          ::kill(h.pid, SIGSTOP);
          // A session waiting on a lock stays active while the host is
          // frozen: give up on this moment and try another. Frozen at most
          // 1 s, then running 0.5 s, the host renews its claims long before
          // kKillProofLease: a freeze that is given up costs no claim.
          const bool quiet = WaitUntil([&] { return server_->Psql(busy, database_).out == "0\n"; },
                                       seconds(1), std::chrono::milliseconds(10));
          held = quiet ? server_->Psql(holds, database_).out : "";
          held.erase(held.find_last_not_of('\n') + 1);
          if (!held.empty()) return true;
          ::kill(h.pid, SIGCONT);
          return false;
        },
        limit, std::chrono::milliseconds(500));
    return held;
  }

  bool Start(Host& h) {
    int out[2];
    if (::pipe(out) != 0) return false;
    int log = ::open((h.dir->path / "serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int devnull = ::open("/dev/null", O_RDONLY);
    h.pid = host_test::Spawn(NOTIFY_HOST_BIN, h.dir->Args({"serve"}), devnull, out[1], log);
    ::close(out[1]);
    ::close(log);
    ::close(devnull);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(R"(:(\d+)\",\"pid\")"))) return false;
    h.port = std::stoi(m[1].str());
    return true;
  }
  int Stop(Host& h, int signal) {
    if (h.pid <= 0) return -1;
    ::kill(h.pid, signal);
    int rc = host_test::WaitFor(h.pid, seconds(60));
    h.pid = -1;
    return rc;
  }
  std::string Logs() const {
    std::string all;
    for (const auto& h : hosts_)
      all += notify::test_support::ReadWholeFile(h.dir->path / "serve.log").substr(0, 4000);
    return all;
  }

  // Posts `count` notifications in arrays of 100, round-robin to the running
  // hosts (the rulesets taken in turn for every 10); returns their ids.
  std::vector<std::string> PostRoundRobin(int count, const std::string& tag,
                                          const std::vector<std::string>& rulesets = {"ops"}) {
    std::vector<std::string> ids;
    std::size_t next = 0;
    for (int start = 0; start < count; start += 100) {
      while (hosts_[next % hosts_.size()].pid <= 0) ++next;
      const Host& h = hosts_[next++ % hosts_.size()];
      std::string body = "[";
      for (int i = start; i < std::min(count, start + 100); ++i) {
        if (i > start) body += ",";
        body += R"({"ruleset":")" + rulesets[(i / 10) % rulesets.size()] +
                R"(","to":["alice@contoso.com"],"subject":")" + tag + std::to_string(i) +
                R"(","body":"text"})";
      }
      body += "]";
      auto r = Http(h.port, "POST", "/api/v1/notifications", key_, body);
      EXPECT_EQ(r.status, 202) << r.body;
      if (r.status != 202) return ids;
      auto list = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < list->size(); ++i)
        ids.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    }
    return ids;
  }

  // How many times the emulator accepted each Message-ID.
  std::map<std::string, int> Accepted() const {
    std::map<std::string, int> times;
    for (const auto& m : emulator_->received()) ++times[MessageIdOf(m.raw)];
    return times;
  }
  bool AllAccepted(const std::vector<std::string>& ids, seconds limit) const {
    return WaitUntil(
        [&] {
          auto times = Accepted();
          for (const auto& id : ids)
            if (times.count(MessageId(id)) == 0) return false;
          return true;
        },
        limit, std::chrono::milliseconds(100));
  }
  static std::string MessageId(const std::string& id) {
    return "<" + id + "@contoso.onmicrosoft.com>";
  }
  // The notifications' statuses as one host's API shows them.
  std::map<std::string, int> Statuses(const Host& h, const std::vector<std::string>& ids) {
    std::map<std::string, int> by_status;
    for (const auto& id : ids) {
      auto r = Http(h.port, "GET", "/api/v1/notifications/" + id, key_);
      ++by_status[r.status == 200 ? Json(r.body)->getValue<std::string>("status")
                                  : "http " + std::to_string(r.status)];
    }
    return by_status;
  }
  // The emulator's figures for the mailbox limit: its peak of concurrent
  // connections (one mailbox: all of them are the mailbox's) and its 432s.
  std::pair<std::uint64_t, std::uint64_t> MailboxFigures() const {
    auto stats = emulator_->stats();
    std::uint64_t refused = 0;
    for (const auto& [reply, count] : stats.smtp_reply_counts)
      if (reply.rfind("432", 0) == 0) refused += count;
    return {stats.max_concurrent_connections, refused};
  }

  static PostgresServer* server_;
  static int databases_;
  std::string database_;
  std::unique_ptr<host_test::HostDir> emu_dir_;
  std::unique_ptr<m365emu::Emulator> emulator_;
  std::vector<Host> hosts_;
  std::string key_;
};

PostgresServer* SeveralHosts::server_ = nullptr;
int SeveralHosts::databases_ = 0;

// The default Deliver calls per ruleset (3) on each host, so the three hosts
// together would open up to 9 connections: the hosts' shared slots keep the
// mailbox at its 3 (docs/several-hosts.md, "Per-mailbox limits").
// Short enough that the others take the killed host's work over soon, long
// enough that the test's freezes (FreezeHoldingClaims) never lapse a live
// host's claims.
constexpr int kKillProofLease = 10;
const std::string kThreeHostSettings =
    "delivery.workers = " + std::to_string(kWorkers) +
    "\ndelivery.claim_lease = " + std::to_string(kKillProofLease) + "\n";

TEST_F(SeveralHosts, AKilledHostsWorkIsFinishedByTheOthersOnceWithinTheMailboxLimit) {
  const int count = LongForm() ? 3000 : 300;
  Prepare(3, kThreeHostSettings);
  for (auto& h : hosts_) ASSERT_TRUE(Start(h)) << Logs();
  auto ids = PostRoundRobin(count, "n");
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(count));
  // Killed while it holds claims: the ones it is delivering.
  const std::string held = FreezeHoldingClaims(1, seconds(300));
  ASSERT_FALSE(held.empty()) << "host 2 never held claims\n" << Logs();
  const std::string killed_pid = std::to_string(hosts_[1].pid);
  Stop(hosts_[1], SIGKILL);
  const std::size_t at_kill = emulator_->received().size();
  ASSERT_TRUE(AllAccepted(ids, seconds(600))) << "accepted " << Accepted().size() << "\n" << Logs();

  // Restarted, it rejoins: what is posted to it is delivered.
  ASSERT_TRUE(Start(hosts_[1])) << Logs();
  auto after = PostRoundRobin(30, "after");
  ASSERT_TRUE(AllAccepted(after, seconds(120))) << Logs();

  // Every notification recorded delivered: the killed host's claims too,
  // once their lease lapsed.
  ASSERT_TRUE(WaitUntil([&] { return Statuses(hosts_[0], ids)["delivered"] == count; },
                        seconds(120), std::chrono::milliseconds(500)))
      << Logs();
  auto times = Accepted();
  int twice = 0;
  for (const auto& id : ids) {
    ASSERT_LE(times[MessageId(id)], 2) << id;
    if (times[MessageId(id)] == 2) ++twice;
  }
  // Only what the killed host had claimed can repeat, and it claims at most
  // a batch for each of its Deliver calls at once.
  const auto held_count = std::count(held.begin(), held.end(), ',') + 1;
  EXPECT_LE(held_count, kWorkers * kBatch) << held;
  EXPECT_LE(twice, held_count);
  for (const auto& id : ids) {
    if (times[MessageId(id)] == 2) {
      EXPECT_NE(("," + held + ",").find("," + id + ","), std::string::npos)
          << id << " accepted twice but not held by the killed host";
    }
  }
  // What it held was taken over and recorded by the others.
  std::string held_list = "'" + held + "'";
  for (std::size_t at = 0; (at = held_list.find(',', at)) != std::string::npos; at += 3)
    held_list.replace(at, 1, "','");
  EXPECT_EQ(server_
                ->Psql("SELECT COUNT(*) FROM attempts WHERE status = 'delivered' AND "
                       "notification_id IN (" +
                           held_list + ") AND host NOT LIKE '%:" + killed_pid + "'",
                       database_)
                .out,
            std::to_string(std::count(held.begin(), held.end(), ',') + 1) + "\n")
      << "held by the killed host: " << held;
  EXPECT_EQ(times.size(), ids.size() + after.size()) << "nothing but these";
  auto [peak, refused] = MailboxFigures();
  EXPECT_LE(peak, 3u) << "connections of the one mailbox at once";
  EXPECT_EQ(refused, 0u) << "432 replies";
  std::cout << "[ figures  ] 3 hosts, 1 PostgreSQL, 1 mailbox: " << count << " notifications, "
            << at_kill << " accepted at kill -9 of host 2 (holding " << held_count << " claims), "
            << twice
            << " accepted twice with the same Message-ID, 0 lost; peak concurrent connections "
            << peak << ", 432 replies " << refused << "\n";
  for (auto& h : hosts_) EXPECT_EQ(Stop(h, SIGTERM), 0);
}

TEST_F(SeveralHosts, APostgreSQLRestartLosesNothingAndRepeatsNothing) {
  const int count = LongForm() ? 3000 : 300;
  // A lease long enough to outlast the restart: the hosts store their
  // results once the server is back instead of letting the claims lapse.
  Prepare(3, "delivery.workers = " + std::to_string(kWorkers) + "\ndelivery.claim_lease = 60\n");
  for (auto& h : hosts_) ASSERT_TRUE(Start(h)) << Logs();
  auto ids = PostRoundRobin(count, "n");
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(count));
  ASSERT_TRUE(
      WaitUntil([&] { return emulator_->received().size() >= ids.size() / 10; }, seconds(300)));
  ASSERT_TRUE(server_->Stop("fast")) << server_->error();
  const std::size_t at_stop = emulator_->received().size();
  ASSERT_TRUE(server_->Start()) << server_->error();
  ASSERT_TRUE(AllAccepted(ids, seconds(600))) << "accepted " << Accepted().size() << "\n" << Logs();
  ASSERT_TRUE(WaitUntil([&] { return Statuses(hosts_[0], ids)["delivered"] == count; },
                        seconds(120), std::chrono::milliseconds(500)))
      << "every notification recorded delivered";
  auto times = Accepted();
  for (const auto& id : ids) EXPECT_EQ(times[MessageId(id)], 1) << id << " accepted twice";
  auto [peak, refused] = MailboxFigures();
  EXPECT_LE(peak, 3u);
  EXPECT_EQ(refused, 0u);
  std::cout << "[ figures  ] PostgreSQL restarted with " << at_stop << " of " << count
            << " accepted: all delivered once; peak concurrent connections " << peak
            << ", 432 replies " << refused << "\n";
  for (auto& h : hosts_) EXPECT_EQ(Stop(h, SIGTERM), 0);
}

// Throughput figures (long form only: a benchmark, nothing asserted but
// that everything arrives): 3,000 notifications over 50 rulesets of 50
// mailboxes, with 1, 2 and 3 hosts on one PostgreSQL. The emulator's rate
// limit of 30 messages a minute per mailbox is lifted: these are the hosts'
// figures, not Exchange's.
TEST_F(SeveralHosts, ThroughputWithOneTwoAndThreeHostsAgainstFiftyMailboxes) {
  const int count = 3000;
  m365emu::Config config = emulator_->config();
  std::vector<std::pair<std::string, std::string>> rulesets;
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) {
    const std::string mailbox = "bench" + std::to_string(i) + "@contoso.onmicrosoft.com";
    config.tenants[0].mailboxes.push_back(m365emu::Mailbox{mailbox});
    config.tenants[0].apps[0].mailbox_permissions.push_back(mailbox);
    rulesets.emplace_back("bench" + std::to_string(i), mailbox);
    names.push_back("bench" + std::to_string(i));
  }
  emulator_->SetConfig(config);
  for (int n = 1; n <= 3; ++n) {
    for (auto& h : hosts_) Stop(h, SIGTERM);
    hosts_.clear();
    database_ += "_" + std::to_string(n);
    ASSERT_TRUE(server_->CreateDatabase(database_));
    emulator_->ResetCounters();
    Prepare(n, "delivery.calls_per_ruleset = 1\ndelivery.workers = 8\n", rulesets);
    for (auto& h : hosts_) ASSERT_TRUE(Start(h)) << Logs();
    const auto t0 = std::chrono::steady_clock::now();
    auto ids = PostRoundRobin(count, "b", names);
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(count));
    ASSERT_TRUE(AllAccepted(ids, seconds(1800))) << Logs();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto [peak, refused] = MailboxFigures();
    std::cout << "[ figures  ] " << n << " host(s), 50 mailboxes: " << count << " notifications in "
              << s << " s = " << count / s << " per second; 432 replies " << refused << "\n";
    EXPECT_EQ(refused, 0u);
  }
}

}  // namespace
