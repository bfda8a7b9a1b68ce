// Secrets at `ruleset save`, through the real notify-host binary: a stored
// secret goes only where it went before, the secret can come from standard
// input or a no-echo prompt instead of the command line, and the process that
// holds it cannot be dumped or traced by the same user (docs/security.md).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <map>
#include <sstream>

#include "host_dir.hpp"
#include "host_process.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::Fixture;
using host_test::HostDir;
using notify::test_support::CommandRun;

// --- the stored secret and a changed endpoint ---------------------------------

// The fixture with the Microsoft 365 channel's form.
class StoredSecret : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(Fixture("fixture_m365_form"), "fixture_m365_form.so");
    dir_.WriteSettings("fixture_m365_form");
  }

  // The settings of the first save, the secret included.
  std::map<std::string, std::string> First() const {
    return {{"server_name", "Contoso"},
            {"from_email", "alerts@contoso.com"},
            {"client_id", "11111111-2222-3333-4444-555555555555"},
            {"tenant_id", "contoso.onmicrosoft.com"},
            {"smtp_host", "smtp.contoso.example"},
            {"client_secret", "the-real-secret-value"}};
  }

  CommandRun Save(const std::map<std::string, std::string>& settings,
                  std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"ruleset", "save", "r1", "--channel", "fixture_m365"};
    for (const auto& [k, v] : settings) args.insert(args.end(), {"--set", k + "=" + v});
    args.insert(args.end(), more.begin(), more.end());
    return dir_.Host(args);
  }

  HostDir dir_{"secret"};
};

TEST_F(StoredSecret, IsNotCarriedOverWhenAFieldThatDecidesWhereItGoesChanged) {
  ASSERT_EQ(Save(First()).rc, 0);
  const std::string stored = dir_.Store();
  const std::map<std::string, std::string> changes = {
      {"authority_url", "https://login.attacker.example"},
      {"cloud", "china"},
      {"tenant_id", "attacker.onmicrosoft.com"},
      {"client_id", "99999999-2222-3333-4444-555555555555"},
      {"smtp_host", "smtp.attacker.example"},
      {"port", "2525"},
      {"ca_file", "/tmp/attacker-ca.pem"},
      {"https_proxy", "http://proxy.attacker.example:8080"},
      {"transport", "graph"},
      {"graph_url", "https://graph.attacker.example"},
      {"credential", "certificate"},
      {"certificate_file", "/tmp/attacker.pem"},
  };
  for (const auto& [key, value] : changes) {
    SCOPED_TRACE(key);
    auto settings = First();
    settings.erase("client_secret");
    settings[key] = value;
    CommandRun r = Save(settings);
    EXPECT_EQ(r.rc, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("client_secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("re-enter the secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(" + key + ")"), std::string::npos) << "names the changed field\n"
                                                              << r.out;
    EXPECT_EQ(dir_.Store(), stored) << "nothing stored";
  }
  // A field set before and left out now goes back to its default: a change too.
  auto settings = First();
  settings.erase("client_secret");
  settings.erase("smtp_host");
  CommandRun r = Save(settings, {"--json"});
  EXPECT_EQ(r.rc, 3) << r.out;
  Poco::JSON::Parser parser;
  auto root = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
  auto issue = root->getArray("issues")->getObject(0);
  EXPECT_EQ(issue->getValue<std::string>("field"), "client_secret");
  EXPECT_NE(issue->getValue<std::string>("message").find("smtp_host"), std::string::npos);
  EXPECT_EQ(dir_.Store(), stored);
}

TEST_F(StoredSecret, IsKeptWhenNoOtherSettingChanged) {
  ASSERT_EQ(Save(First()).rc, 0);
  auto settings = First();
  settings.erase("client_secret");
  settings["port"] = "587";  // the default, as it was
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(dir_.Store().find("the-real-secret-value"), std::string::npos);
}

TEST_F(StoredSecret, ANewSecretWithANewEndpointIsSaved) {
  ASSERT_EQ(Save(First()).rc, 0);
  auto settings = First();
  settings["smtp_host"] = "smtp.elsewhere.example";
  settings["client_secret"] = "a-new-secret-value";
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(dir_.Store().find("a-new-secret-value"), std::string::npos);
}

TEST_F(StoredSecret, TheMaskIsNeverStoredAsASecret) {
  auto settings = First();
  settings["client_secret"] = "********";
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("client_secret"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("********"), std::string::npos) << "says why: " << r.out;
  EXPECT_EQ(dir_.Store(), "") << "nothing stored";
  ASSERT_EQ(Save(First()).rc, 0);
  const std::string stored = dir_.Store();
  EXPECT_EQ(Save(settings).rc, 3);
  EXPECT_EQ(dir_.Store(), stored);
}

// --- where the secret comes from -----------------------------------------------

class SecretInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(EML_PLUGIN_FILE, "eml_file.so");
    dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so");
    dir_.WriteSettings("eml_file, fixture_good");
  }

  // Runs notify-host with `input` on its stdin (a pipe), stdout and stderr
  // captured.
  CommandRun WithStdin(const std::vector<std::string>& args, const std::string& input) const {
    // The input waits in the pipe before notify-host starts: a host that
    // exits without reading it cannot make this write raise SIGPIPE.
    int in[2];
    EXPECT_EQ(::pipe(in), 0);
    EXPECT_EQ(::write(in[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
    ::close(in[1]);
    FILE* out = std::tmpfile();
    FILE* err = std::tmpfile();
    pid_t pid =
        host_test::Spawn(NOTIFY_HOST_BIN, dir_.Args(args), in[0], ::fileno(out), ::fileno(err));
    ::close(in[0]);
    CommandRun r;
    r.rc = host_test::WaitFor(pid);
    r.out = ReadBack(out);
    r.err = ReadBack(err);
    return r;
  }
  static std::string ReadBack(FILE* f) {
    std::string text;
    std::rewind(f);
    for (int c; (c = std::fgetc(f)) != EOF;) text += static_cast<char>(c);
    std::fclose(f);
    return text;
  }

  std::vector<std::string> SaveFixture() const {
    return {"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=alpha"};
  }

  HostDir dir_{"secret-input"};
};

TEST_F(SecretInput, SecretStdinReadsOneLineWithoutItsNewline) {
  auto args = SaveFixture();
  args.push_back("--secret-stdin");
  CommandRun r = WithStdin(args, "piped-secret-value\n");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  std::string stored = dir_.Store();
  EXPECT_NE(stored.find("\"piped-secret-value\""), std::string::npos) << stored;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  // A CRLF line end and no line end at all give the same secret.
  EXPECT_EQ(WithStdin(args, "piped-secret-value\r\n").rc, 0);
  EXPECT_NE(dir_.Store().find("\"piped-secret-value\""), std::string::npos);
  EXPECT_EQ(WithStdin(args, "piped-secret-value").rc, 0);
  EXPECT_NE(dir_.Store().find("\"piped-secret-value\""), std::string::npos);
}

TEST_F(SecretInput, SecretStdinMisusesAreUsageErrors) {
  auto args = SaveFixture();
  args.push_back("--secret-stdin");
  CommandRun r = WithStdin(args, "");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("standard input"), std::string::npos) << r.err;
  auto both = args;
  both.insert(both.end(), {"--set", "api_key=also-here"});
  r = WithStdin(both, "piped\n");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("api_key"), std::string::npos) << r.err;
  r = WithStdin({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                 "directory=" + (dir_.path / "out").string(), "--secret-stdin"},
                "piped\n");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no secret field"), std::string::npos) << r.err;
  EXPECT_EQ(dir_.Store(), "") << "nothing stored";
}

TEST_F(SecretInput, SecretOnTheCommandLineWorksAndWarns) {
  auto args = SaveFixture();
  args.insert(args.end(), {"--set", "api_key=argv-secret"});
  CommandRun r = dir_.Host(args);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("warning: api_key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("other local users"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--secret-stdin"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("argv-secret"), std::string::npos);
}

TEST_F(SecretInput, TerminalPromptDoesNotEchoTheSecret) {
  host_test::PtyChild c = host_test::SpawnOnPty(NOTIFY_HOST_BIN, dir_.Args(SaveFixture()));
  ASSERT_GT(c.pid, 0);
  ASSERT_TRUE(c.ReadUntil("API key (api_key): ")) << c.seen;
  EXPECT_FALSE(c.Echoes()) << "echo is off while the secret is typed";
  c.Type("typed-secret-value\n");
  c.ReadToEnd();
  EXPECT_EQ(host_test::WaitFor(c.pid), 0) << c.seen;
  EXPECT_TRUE(c.Echoes()) << "echo is back";
  EXPECT_EQ(c.seen.find("typed-secret-value"), std::string::npos) << c.seen;
  EXPECT_NE(c.seen.find("ruleset 'r1' saved."), std::string::npos) << c.seen;
  EXPECT_NE(dir_.Store().find("\"typed-secret-value\""), std::string::npos);
  ::close(c.master);
}

TEST_F(SecretInput, EchoComesBackWhenThePromptIsInterrupted) {
  for (const std::string& key : {"\x03", "\x04"}) {  // Ctrl-C, Ctrl-D
    SCOPED_TRACE(key == "\x03" ? "Ctrl-C" : "Ctrl-D");
    host_test::PtyChild c = host_test::SpawnOnPty(NOTIFY_HOST_BIN, dir_.Args(SaveFixture()));
    ASSERT_TRUE(c.ReadUntil("API key (api_key): ")) << c.seen;
    EXPECT_FALSE(c.Echoes());
    c.Type(key);
    c.ReadToEnd();
    int rc = host_test::WaitFor(c.pid);
    EXPECT_EQ(rc, key == "\x03" ? 128 + SIGINT : 2) << c.seen;
    EXPECT_TRUE(c.Echoes()) << "echo is back";
    EXPECT_EQ(dir_.Store(), "") << "nothing stored";
    ::close(c.master);
  }
}

TEST_F(SecretInput, OnATerminalAChangedSettingAsksForTheSecretAgain) {
  auto first = SaveFixture();
  first.insert(first.end(), {"--set", "api_key=first-secret-value"});
  ASSERT_EQ(dir_.Host(first).rc, 0);
  host_test::PtyChild c = host_test::SpawnOnPty(
      NOTIFY_HOST_BIN,
      dir_.Args({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=beta"}));
  ASSERT_TRUE(c.ReadUntil("API key (api_key): ")) << c.seen;
  EXPECT_NE(c.seen.find("The stored api_key is not kept: target changed."), std::string::npos)
      << c.seen;
  c.Type("second-secret-value\n");
  c.ReadToEnd();
  EXPECT_EQ(host_test::WaitFor(c.pid), 0) << c.seen;
  std::string stored = dir_.Store();
  EXPECT_NE(stored.find("\"second-secret-value\""), std::string::npos) << stored;
  EXPECT_EQ(stored.find("first-secret-value"), std::string::npos) << stored;
  ::close(c.master);
}

TEST_F(SecretInput, NoPromptWithoutATerminal) {
  CommandRun r = dir_.Host(SaveFixture());  // stdin is /dev/null
  EXPECT_EQ(r.rc, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("api_key"), std::string::npos) << r.out;
  EXPECT_EQ(dir_.Store(), "") << "nothing stored";
}

// --- core dumps and tracing --------------------------------------------------

class Hardening : public ::testing::Test {
 protected:
  static constexpr char kStateSettings[] =
      "state.url = sqlite:state/state.db\nsecrets.key_file = state/notify-host.key\n";

  void SetUp() override {
    dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so");
    dir_.WriteSettings("fixture_good");
    // As root, notify-host runs as nobody: the owner of /proc/<pid>/status
    // then tells whether it is dumpable (root when not, nobody when it is).
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      ASSERT_NE(nobody, nullptr);
      run_uid_ = nobody->pw_uid;
      run_gid_ = nobody->pw_gid;
    } else {
      run_uid_ = ::geteuid();
      run_gid_ = ::getegid();
    }
    // The state database and the host key in a directory the user running
    // notify-host owns, as on an installed host.
    fs::create_directories(dir_.path / "state");
    ASSERT_EQ(::chown((dir_.path / "state").c_str(), run_uid_, run_gid_), 0);
    fs::permissions(dir_.path / "state", fs::perms::owner_all);
    dir_.WriteSettings("fixture_good", kStateSettings);
  }

  // Starts `ruleset save ... --secret-stdin` with a core size limit as high
  // as allowed; notify-host then waits for the secret on the pipe the test
  // holds. Returns the pid; `*writer` is the pipe's other end.
  pid_t StartWaitingForTheSecret(int* writer) {
    int in[2];
    EXPECT_EQ(::pipe(in), 0);
    int null = ::open("/dev/null", O_WRONLY);
    uid_t uid = run_uid_;
    gid_t gid = run_gid_;
    bool root = ::geteuid() == 0;
    pid_t pid = host_test::Spawn(
        NOTIFY_HOST_BIN,
        dir_.Args({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=a",
                   "--secret-stdin"}),
        in[0], null, null, [uid, gid, root] {
          rlimit core{};
          ::getrlimit(RLIMIT_CORE, &core);
          core.rlim_cur = core.rlim_max;
          ::setrlimit(RLIMIT_CORE, &core);
          if (root && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0))
            ::_exit(126);
        });
    ::close(in[0]);
    ::close(null);
    *writer = in[1];
    // Waiting in read(0, ...), or when /proc/<pid>/syscall is closed to the
    // test (not root, process not dumpable), asleep.
    bool waiting = host_test::WaitUntil([pid] {
      std::string call = host_test::ProcFile(pid, "syscall");
      if (!call.empty()) return call.rfind("0 0x0 ", 0) == 0;
      std::string stat = host_test::ProcFile(pid, "stat");
      auto close_paren = stat.rfind(')');
      return close_paren != std::string::npos && stat.size() > close_paren + 2 &&
             stat[close_paren + 2] == 'S';
    });
    EXPECT_TRUE(waiting) << "notify-host never waited for the secret";
    return pid;
  }

  // The soft "Max core file size" of /proc/<pid>/limits.
  static std::string CoreLimit(pid_t pid) {
    std::istringstream limits(host_test::ProcFile(pid, "limits"));
    for (std::string line; std::getline(limits, line);) {
      if (line.rfind("Max core file size", 0) != 0) continue;
      std::istringstream fields(line.substr(std::string("Max core file size").size()));
      std::string soft;
      fields >> soft;
      return soft;
    }
    return "";
  }

  static uid_t ProcOwner(pid_t pid) {
    struct stat st {};
    std::string path = "/proc/" + std::to_string(pid) + "/status";
    return ::stat(path.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
  }

  static rlim_t HardCoreLimit() {
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    return core.rlim_max;
  }

  HostDir dir_{"hardening"};
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
};

TEST_F(Hardening, NoCoreDumpAndNoSameUserTracingWhileTheSecretIsRead) {
  if (run_uid_ == 0) GTEST_SKIP() << "needs a user other than root to run notify-host as";
  int writer = -1;
  pid_t pid = StartWaitingForTheSecret(&writer);
  EXPECT_EQ(CoreLimit(pid), "0") << host_test::ProcFile(pid, "limits");
  EXPECT_EQ(ProcOwner(pid), 0u) << "not dumpable: /proc/<pid>/* belongs to root, so the user "
                                   "running it can neither read its memory nor trace it";
  ::close(writer);
  host_test::WaitFor(pid);
}

TEST_F(Hardening, DebugSettingAllowsCoreDumps) {
  if (run_uid_ == 0) GTEST_SKIP() << "needs a user other than root to run notify-host as";
  dir_.WriteSettings("fixture_good", std::string(kStateSettings) + "debug.allow_core_dumps = true\n");
  int writer = -1;
  pid_t pid = StartWaitingForTheSecret(&writer);
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer sets its own process's core limit to 0 at start
  // (disable_coredump=1 on 64-bit), so the limit is only checked without it.
  if (HardCoreLimit() != 0) EXPECT_NE(CoreLimit(pid), "0") << host_test::ProcFile(pid, "limits");
#endif
  EXPECT_EQ(ProcOwner(pid), run_uid_) << "dumpable again";
  ::close(writer);
  host_test::WaitFor(pid);
}

}  // namespace
