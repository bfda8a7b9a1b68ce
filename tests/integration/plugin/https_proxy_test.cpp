// The HTTPS proxy against a real tinyproxy (docs/channel-settings.md, HTTPS
// proxy): Save and delivery pass through it as CONNECT tunnels (its log
// shows them), SMTP goes direct and Save says so, and each failure of the
// proxy gets its own remedy naming the proxy: unreachable, 407 (no or wrong
// credentials), 403 (the host is not allowed), TLS interception.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "graph_fixture.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/test_support/command_run.hpp"
#include "notify/test_support/refusing_port.hpp"
#include "proxy_peers.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;
using notify::StepOutcome;

const notify::CheckStep* FindStep(const notify::ValidationReport& report, const std::string& n) {
  for (const auto& s : report.steps) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

class HttpsProxyTest : public GraphTest {
 protected:
  void SetUp() override {
    GraphTest::SetUp();
    // The environment must not choose a proxy for these tests.
    for (const char* name : {"https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"})
      ::unsetenv(name);
  }

  std::unique_ptr<Tinyproxy> StartProxy(const Tinyproxy::Options& options = {}) {
    auto proxy = std::make_unique<Tinyproxy>(state_dir_ + "/tinyproxy", options);
    EXPECT_TRUE(proxy->running())
        << "tinyproxy did not start (scripts/install-deps.sh installs it)";
    return proxy;
  }

  std::string TokenHost() const { return "localhost:" + std::to_string(emulator_->token_port()); }
  std::string GraphHost() const { return "localhost:" + std::to_string(emulator_->graph_port()); }

  notify::ValidationReport Save(const notify::Settings& settings, const std::string& test_to = "") {
    M365Channel channel(host_, clock_);
    return channel.Validate(settings, {notify::ValidationMode::kOnline, test_to});
  }

  static std::string Text(const notify::ValidationReport& report) {
    return notify::sdk::testing::ReportText(report);
  }
};

TEST_F(HttpsProxyTest, SaveAndDeliveryOnTheGraphRouteGoThroughTinyproxy) {
  auto proxy = StartProxy();
  ASSERT_TRUE(proxy->running());
  notify::Settings s = GraphSettings();
  s["https_proxy"] = proxy->url();
  auto report = Save(s, "admin@contoso.com");
  ASSERT_TRUE(report.ok()) << Text(report);
  for (const auto& step : report.steps) EXPECT_EQ(step.outcome, StepOutcome::kPassed) << step.name;
  EXPECT_GE(proxy->Connects(TokenHost()), 1) << proxy->log();
  EXPECT_GE(proxy->Connects(GraphHost()), 1) << proxy->log();

  const int graph_tunnels = proxy->Connects(GraphHost());
  auto results = Deliver(DeliveryLedger::Batch("p", 3), s);
  ExpectAll(results, DeliveryStatus::kDelivered);
  EXPECT_GT(proxy->Connects(GraphHost()), graph_tunnels) << "delivery went around the proxy";
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 4u) << "the test message and the three sent";
  for (const auto& m : received) EXPECT_EQ(m.route, "graph");
}

TEST_F(HttpsProxyTest, OnTheSmtpRouteTheTokenGoesThroughTheProxyAndSaveSaysSmtpGoesDirect) {
  auto proxy = StartProxy();
  ASSERT_TRUE(proxy->running());
  notify::Settings s = FaultSettings();
  s["https_proxy"] = proxy->url();
  auto report = Save(s);
  ASSERT_TRUE(report.ok()) << Text(report);
  EXPECT_GE(proxy->Connects(TokenHost()), 1) << proxy->log();
  const auto* connect = FindStep(report, "connect");
  ASSERT_NE(connect, nullptr);
  EXPECT_NE(connect->detail.find("SMTP does not go through the HTTPS proxy 127.0.0.1:" +
                                 std::to_string(proxy->port())),
            std::string::npos)
      << connect->detail;
  EXPECT_EQ(proxy->Connects("localhost:" + std::to_string(emulator_->smtp_port())), 0);
}

TEST_F(HttpsProxyTest, AnUnreachableSmtpServerBesideAProxyIsExplained) {
  notify::test_support::RefusingPort refusing;
  auto proxy = StartProxy();
  ASSERT_TRUE(proxy->running());
  notify::Settings s = FaultSettings();
  s["https_proxy"] = proxy->url();
  s["port"] = std::to_string(refusing.port());
  auto report = Save(s);
  const auto* connect = FindStep(report, "connect");
  ASSERT_NE(connect, nullptr);
  EXPECT_EQ(connect->outcome, StepOutcome::kFailed);
  EXPECT_NE(connect->remedy.find("SMTP does not go through the HTTPS proxy"), std::string::npos)
      << connect->remedy;
  EXPECT_NE(connect->remedy.find("Sending route graph"), std::string::npos) << connect->remedy;
}

TEST_F(HttpsProxyTest, NoOrWrongProxyCredentialsGetTheCredentialsRemedy) {
  auto proxy = StartProxy({"alice", "right-Pa55", {}});
  ASSERT_TRUE(proxy->running());
  notify::Settings s = GraphSettings();
  s["https_proxy"] = proxy->url();
  auto report = Save(s);
  const auto* token = FindStep(report, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->outcome, StepOutcome::kFailed);
  EXPECT_NE(token->detail.find("HTTP 407"), std::string::npos) << token->detail;
  EXPECT_NE(token->detail.find("127.0.0.1:" + std::to_string(proxy->port())), std::string::npos)
      << token->detail;
  EXPECT_NE(token->remedy.find("wants a user name and password"), std::string::npos)
      << token->remedy;

  s["https_proxy"] = "http://alice@127.0.0.1:" + std::to_string(proxy->port());
  s["https_proxy_password"] = "wrong-Pa55";
  report = Save(s);
  token = FindStep(report, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->outcome, StepOutcome::kFailed);
  EXPECT_NE(token->remedy.find("refused the user name and password"), std::string::npos)
      << token->remedy;
  EXPECT_EQ(Text(report).find("wrong-Pa55"), std::string::npos);
  EXPECT_EQ(emulator_->stats().token_requests, 0u) << "nothing reached the sign-in server";

  s["https_proxy_password"] = "right-Pa55";
  report = Save(s);
  EXPECT_TRUE(report.ok()) << Text(report);
  EXPECT_EQ(Text(report).find("right-Pa55"), std::string::npos);
  EXPECT_EQ(host_.AllText().find("Pa55"), std::string::npos) << "a proxy password in the log";
}

TEST_F(HttpsProxyTest, AProxyThatDeniesTheHostGetsTheRemedyNamingIt) {
  auto proxy = StartProxy({"", "", {"localhost"}});
  ASSERT_TRUE(proxy->running());
  notify::Settings s = GraphSettings();
  s["https_proxy"] = proxy->url();
  auto report = Save(s);
  const auto* token = FindStep(report, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->outcome, StepOutcome::kFailed);
  EXPECT_NE(token->detail.find("HTTP 403"), std::string::npos) << token->detail;
  EXPECT_NE(token->remedy.find("does not allow a tunnel to " + TokenHost()), std::string::npos)
      << token->remedy;
  EXPECT_NE(token->remedy.find("allow CONNECT to " + TokenHost()), std::string::npos)
      << token->remedy;
  EXPECT_NE(token->remedy.find(GraphHost() + " (Microsoft Graph)"), std::string::npos)
      << token->remedy;
}

TEST_F(HttpsProxyTest, AnUnreachableProxyIsNamedNotMicrosoft) {
  notify::test_support::RefusingPort refusing;
  notify::Settings s = GraphSettings();
  const std::string where = "127.0.0.1:" + std::to_string(refusing.port());
  s["https_proxy"] = "http://" + where;
  auto report = Save(s);
  const auto* token = FindStep(report, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->outcome, StepOutcome::kFailed);
  EXPECT_NE(token->detail.find("cannot reach the HTTPS proxy " + where), std::string::npos)
      << token->detail;
  EXPECT_NE(token->remedy.find("The HTTPS proxy " + where), std::string::npos) << token->remedy;
  EXPECT_NE(token->remedy.find("Microsoft was not contacted"), std::string::npos) << token->remedy;
}

TEST_F(HttpsProxyTest, AProxyThatInterceptsTlsGetsTheCaFileRemedy) {
  const std::string tls = emulator_->state_dir() + "/tls";
  InterceptingProxy proxy(tls + "/wrong-name.pem", tls + "/wrong-name.key");
  notify::Settings s = GraphSettings();
  s["https_proxy"] = proxy.url();
  auto report = Save(s);
  const auto* token = FindStep(report, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->outcome, StepOutcome::kFailed);
  EXPECT_GE(proxy.tunnels(), 1);
  EXPECT_NE(token->detail.find("not issued for the name localhost"), std::string::npos)
      << token->detail;
  EXPECT_NE(token->remedy.find("intercepts TLS"), std::string::npos) << token->remedy;
  EXPECT_NE(token->remedy.find("ca_file"), std::string::npos) << token->remedy;
  EXPECT_NE(token->remedy.find("exempt"), std::string::npos) << token->remedy;
}

TEST_F(HttpsProxyTest, WithTheSettingEmptyTheEnvironmentsProxyAndNoProxyAreHonoured) {
  auto proxy = StartProxy({"alice", "env-Pa55", {}});
  ASSERT_TRUE(proxy->running());
  ::setenv("HTTPS_PROXY",
           ("http://alice:env-Pa55@127.0.0.1:" + std::to_string(proxy->port())).c_str(), 1);
  notify::Settings s = GraphSettings();
  auto report = Save(s);
  EXPECT_TRUE(report.ok()) << Text(report);
  EXPECT_GE(proxy->Connects(TokenHost()), 1) << proxy->log();
  EXPECT_EQ(Text(report).find("env-Pa55"), std::string::npos);

  // NO_PROXY exempts the host: no new tunnel.
  const int tunnels = proxy->Connects(TokenHost());
  ::setenv("NO_PROXY", ".example.com, localhost", 1);
  report = Save(s);
  EXPECT_TRUE(report.ok()) << Text(report);
  EXPECT_EQ(proxy->Connects(TokenHost()), tunnels);
  ::unsetenv("HTTPS_PROXY");
  ::unsetenv("NO_PROXY");
}

TEST_F(HttpsProxyTest, APasswordInsideTheProxyUrlIsRefusedWithoutQuotingIt) {
  notify::Settings s = GraphSettings();
  s["https_proxy"] = "http://alice:Inl1ne-Pa55@proxy.example:3128";
  M365Channel channel(host_, clock_);
  auto report = channel.Validate(s, {notify::ValidationMode::kOffline, ""});
  EXPECT_FALSE(report.ok());
  const std::string text = Text(report);
  EXPECT_NE(text.find("https_proxy_password"), std::string::npos) << text;
  EXPECT_EQ(text.find("Inl1ne-Pa55"), std::string::npos) << text;
}

// notify-host with the plugin (docs/channel-settings.md, How notify-host
// stores them): https_proxy decides where the secret and its tokens go, so
// a changed proxy asks for the secret again; the proxy password is a secret
// field, masked by `ruleset show`.
TEST_F(HttpsProxyTest, NotifyHostKeepsTheSecretOnlyWhileTheProxyIsUnchanged) {
  namespace fs = std::filesystem;
  auto proxy = StartProxy({"alice", "host-Pa55", {}});
  ASSERT_TRUE(proxy->running());
  fs::path dir = fs::path(state_dir_) / "host";
  fs::create_directories(dir / "plugins");
  fs::copy_file(M365_PLUGIN_FILE, dir / "plugins" / "m365_oauth_smtp.so");
  std::ofstream(dir / "host.properties") << "plugins.directory = plugins\n"
                                            "plugins.enabled = m365_oauth_smtp\n";
  std::string all;
  auto host = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir / "host.properties").string()});
    auto run = notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir);
    all += run.out + run.err;
    return run;
  };
  std::vector<std::string> save = {"ruleset", "save", "r1", "--channel", "m365_oauth_smtp"};
  notify::Settings s = FaultSettings();
  s["https_proxy"] = "http://alice@127.0.0.1:" + std::to_string(proxy->port());
  for (const auto& [k, v] : s) {
    if (k != "client_secret") save.insert(save.end(), {"--set", k + "=" + v});
  }
  auto with = [](std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  auto first = host(with(save, {"--set", std::string("client_secret=") + m365emu::kDemoSecretValue,
                                "--set", "https_proxy_password=host-Pa55"}));
  ASSERT_EQ(first.rc, 0) << first.out << first.err;
  EXPECT_GE(proxy->Connects(TokenHost()), 1) << proxy->log();
  auto kept = host(save);
  EXPECT_EQ(kept.rc, 0) << "nothing changed: both secrets are kept\n" << kept.out << kept.err;

  std::vector<std::string> other_proxy = save;
  for (auto& a : other_proxy) {
    if (a.rfind("https_proxy=", 0) == 0) a = "https_proxy=http://alice@127.0.0.1:1";
  }
  auto changed = host(other_proxy);
  EXPECT_EQ(changed.rc, 3) << changed.out << changed.err;
  EXPECT_NE(changed.out.find("client_secret"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("re-enter the secret"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("(https_proxy)"), std::string::npos) << changed.out;

  auto shown = host({"ruleset", "show", "r1"});
  EXPECT_EQ(shown.rc, 0);
  EXPECT_NE(shown.out.find("https_proxy_password"), std::string::npos) << shown.out;
  EXPECT_EQ(all.find("host-Pa55"), std::string::npos) << "the proxy password was shown:\n" << all;
}

}  // namespace
}  // namespace m365::testing
