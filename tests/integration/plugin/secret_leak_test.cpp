// No secret reaches anything a person can read (docs/security.md): Save passing and failing at each
// step, sending, refreshing after a 535, and the faults, in process with every plugin log line
// captured, then the real notify-host with the plugin, logging at trace. LeakScanner says what
// counts as a leak.
#include <Poco/Base64Encoder.h>
#include <Poco/String.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fault_matrix_fixture.hpp"
#include "leak_scanner.hpp"
#include "m365emu/client_certificates.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/test_support/command_run.hpp"
#include "notify/test_support/refusing_port.hpp"
#include "proxy_peers.hpp"
#include "smtp/smtp_connection.hpp"
#include "token/token_cache.hpp"

namespace m365::testing {
namespace {

namespace fs = std::filesystem;

const std::string kWrongSecret = "Wr0ng~Secret.Value_abcdefghijklmnopqrstuv";

std::string Base64(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder << text;
  encoder.close();
  return out.str();
}

class SecretLeakTest : public FaultMatrixTest {
 protected:
  void SetUp() override {
    FaultMatrixTest::SetUp();
    scanner_ = std::make_unique<LeakScanner>(*emulator_, m365emu::kDemoMailbox);
    scanner_->AddSecret("the client secret", m365emu::kDemoSecretValue);
    scanner_->AddSecret("the wrong client secret", kWrongSecret);
    scanner_->AddSecret("the secret's ID", m365emu::kDemoSecretId);
  }

  void Save(const std::string& label, const notify::Settings& settings, const std::string& to) {
    M365Channel channel(host_);
    auto report = channel.Validate(settings, {notify::ValidationMode::kOnline, to});
    scanner_->Collect("Save " + label, notify::sdk::testing::ReportText(report));
  }

  // Delivers with a sender kept open, captures the token it cached, and
  // collects every result.
  void Send(const std::string& label, int count, notify::Settings settings = {}) {
    if (settings.empty()) settings = FaultSettings();
    M365Channel channel(host_);
    notify::OpenResult opened = channel.Open(settings);
    scanner_->Collect("Open " + label, notify::sdk::testing::ReportText(opened.report));
    if (!opened.sender) return;
    auto results = opened.sender->Deliver(DeliveryLedger::Batch(label, count));
    for (const auto& r : results) {
      scanner_->Collect("result " + label,
                        r.id + " " + std::to_string(r.code) + " " + r.enhanced + " " + r.detail);
    }
    // The process-wide cache the sender used hands out its token without a
    // new request while it is fresh.
    auto cache =
        SharedTokenCache({emulator_->authority(), m365emu::kDemoTenantId, m365emu::kDemoClientId,
                          "https://outlook.office365.com/.default"},
                         []() -> notify::sdk::StatusOr<IssuedToken> {
                           return notify::sdk::Status::Internal("capture only");
                         });
    notify::sdk::StatusOr<std::string> cached = cache->Get();
    if (cached.ok()) scanner_->Capture(cached.value());
  }

  void WithFaults(void (*set)(m365emu::Faults&)) {
    m365emu::Faults faults;
    set(faults);
    emulator_->SetFaults(faults);
  }

  std::unique_ptr<LeakScanner> scanner_;
};

TEST_F(SecretLeakTest, NothingSecretInLogsReportsOrResultsOfAnyScenario) {
  notify::Settings good = FaultSettings();
  Save("passing with a test message", good, "admin@contoso.com");
  notify::Settings wrong = good;
  wrong["client_secret"] = kWrongSecret;
  Save("wrong secret", wrong, "");
  wrong["client_secret"] = m365emu::kDemoSecretId;
  Save("secret ID", wrong, "");
  wrong["client_secret"] = std::string(m365emu::kDemoSecretValue) + "\n";
  Save("secret with LF", wrong, "");
  Send("sent", 4);
  Send("wrong secret", 2, [&] {
    notify::Settings s = good;
    s["client_secret"] = kWrongSecret;
    return s;
  }());

  m365emu::Config config = m365emu::DemoConfig();
  config.app().roles.clear();  // claims fail; the Graph token is fetched too
  emulator_->SetConfig(config);
  Save("no roles", good, "");
  config = m365emu::DemoConfig();
  config.app().mailbox_permissions.clear();  // 535 at AUTH, refresh, 535 again
  config.xoauth2_error_challenge = true;     // with the 334 error challenge
  emulator_->SetConfig(config);
  Save("no mailbox permission", good, "");
  Send("refused login", 2);
  config.xoauth2_error_challenge = false;
  config.mailbox_permission_failure_at_data = true;
  emulator_->SetConfig(config);
  Save("refused at DATA", good, "admin@contoso.com");
  emulator_->SetConfig(m365emu::DemoConfig());

  WithFaults([](m365emu::Faults& f) { f.smtp_drop_after_data = true; });
  Send("drop after data", 1);
  WithFaults([](m365emu::Faults& f) { f.smtp_no_starttls = true; });
  Send("no starttls", 1);
  Save("no starttls", good, "");
  WithFaults([](m365emu::Faults& f) { f.smtp_certificate = m365emu::CertFault::kWrongName; });
  Send("wrong name", 1);

  // Save asks for a token each time, whatever a sender cached.
  for (auto set : {+[](m365emu::Faults& f) { f.token_http_500 = true; },
                   +[](m365emu::Faults& f) { f.token_non_json_body = true; },
                   +[](m365emu::Faults& f) { f.token_oversized_body_bytes = 100000; }}) {
    WithFaults(set);
    Save("token fault", good, "");
  }
  emulator_->SetFaults({});

  // One step at a time: what the SMTP layer says about an expired token.
  auto tls = MakeClientTlsContext(emulator_->ca_file());
  ASSERT_TRUE(tls.ok());
  config = m365emu::DemoConfig();
  config.xoauth2_error_challenge = true;
  emulator_->SetConfig(config);
  m365emu::MintOptions expired;
  expired.issued_at_offset_seconds = -7200;
  std::string stale = emulator_->MintToken(expired);
  scanner_->Capture(stale);
  SmtpConnection c(
      {"localhost", emulator_->smtp_port(), std::chrono::seconds(kTimeoutS), tls.value()});
  ASSERT_TRUE(c.Connect().ok && c.Ehlo().ok && c.StartTls().ok);
  SmtpStepResult auth = c.AuthXoauth2(m365emu::kDemoMailbox, stale);
  EXPECT_FALSE(auth.ok);
  scanner_->Collect("AUTH with an expired token", auth.error + " " + auth.reply.ToString());

  scanner_->Collect("plugin log", host_.AllText());
  EXPECT_GE(host_.lines().size(), 20u) << "the scenarios logged too little to mean much";
  EXPECT_GE(scanner_->captured(), 2) << "no token captured: the check would be blind";
  scanner_->ExpectNoLeak();
  RecordProperty("texts", static_cast<int>(scanner_->texts()));
  RecordProperty("bytes", static_cast<int>(scanner_->bytes()));
}

// The Microsoft Graph route (docs/delivery.md, The Microsoft Graph route):
// Save and Deliver with the guide's Mail.Send-only app, passing and failing,
// and Graph's faults; the Graph token it cached is looked for everywhere.
TEST_F(SecretLeakTest, NothingSecretOnTheGraphRoute) {
  scanner_->AddSecret("the Graph app's secret", m365emu::kDemoGraphSecretValue);
  notify::Settings graph = FaultSettings();
  graph["client_id"] = m365emu::kDemoGraphClientId;
  graph["client_secret"] = m365emu::kDemoGraphSecretValue;
  graph["graph_url"] = emulator_->graph_url();
  graph["transport"] = "auto";
  auto send = [&](const std::string& label, int count, const notify::Settings& settings) {
    M365Channel channel(host_);
    notify::OpenResult opened = channel.Open(settings);
    scanner_->Collect("Open " + label, notify::sdk::testing::ReportText(opened.report));
    if (!opened.sender) return;
    auto batch = DeliveryLedger::Batch(label, count);
    notify::Attachment big;
    big.name = "big.bin";
    big.bytes.assign(5u * 1024u * 1024u, 'x');  // over one request: refused without ReadWrite
    batch[0].attachments.push_back(big);
    for (const auto& r : opened.sender->Deliver(batch)) {
      scanner_->Collect("result " + label,
                        r.id + " " + std::to_string(r.code) + " " + r.enhanced + " " + r.detail);
    }
    auto cache =
        SharedTokenCache({emulator_->authority(), m365emu::kDemoTenantId,
                          m365emu::kDemoGraphClientId, "https://graph.microsoft.com/.default"},
                         []() -> notify::sdk::StatusOr<IssuedToken> {
                           return notify::sdk::Status::Internal("capture only");
                         });
    notify::sdk::StatusOr<std::string> cached = cache->Get();
    if (cached.ok()) scanner_->Capture(cached.value());
  };

  Save("graph passing with a test message", graph, "admin@contoso.com");
  notify::Settings set_graph = graph;
  set_graph["transport"] = "graph";
  Save("graph route set", set_graph, "");
  send("graph sent", 3, graph);
  notify::Settings wrong = graph;
  wrong["client_secret"] = kWrongSecret;
  Save("graph wrong secret", wrong, "");
  send("graph wrong secret", 2, wrong);
  for (auto set : {+[](m365emu::Faults& f) { f.graph_http_429_retry_after = 0; },
                   +[](m365emu::Faults& f) { f.graph_http_503_retry_after = 1; },
                   +[](m365emu::Faults& f) { f.graph_drop = true; },
                   +[](m365emu::Faults& f) { f.graph_http_500 = true; }}) {
    WithFaults(set);
    send("graph fault", 2, graph);
  }
  emulator_->SetFaults({});
  m365emu::Config config = m365emu::DemoConfig();
  for (auto& app : config.tenant().apps) {
    if (app.client_id == m365emu::kDemoGraphClientId) {
      app.application_access_policy = std::vector<std::string>{"someone@contoso.com"};
    }
  }
  emulator_->SetConfig(config);
  Save("graph access policy", graph, "admin@contoso.com");
  send("graph access policy", 2, graph);
  for (auto& app : config.tenant().apps) {
    if (app.client_id == m365emu::kDemoGraphClientId) app.roles.clear();
  }
  emulator_->SetConfig(config);
  Save("neither role", graph, "");
  send("neither role", 1, graph);
  emulator_->SetConfig(m365emu::DemoConfig());

  scanner_->Collect("plugin log", host_.AllText());
  EXPECT_GE(scanner_->captured(), 1) << "no Graph token captured: the check would be blind";
  scanner_->ExpectNoLeak();
}

// The HTTPS proxy's password (docs/channel-settings.md, HTTPS proxy): from
// https_proxy_password or from the environment's HTTPS_PROXY, right or
// wrong, through a real tinyproxy with Basic authentication, a proxy that
// cannot be reached, and delivery: never in a report, result or log line,
// nor its Proxy-Authorization form.
TEST_F(SecretLeakTest, NothingOfTheProxyPasswordInAnyProxyScenario) {
  const std::string kProxyPassword = "Pr0xy-Pa55_word_zyxw";
  const std::string kWrongProxyPassword = "Wr0ng-Pr0xy_Pa55_abcd";
  scanner_->AddSecret("the proxy password", kProxyPassword);
  scanner_->AddSecret("the wrong proxy password", kWrongProxyPassword);
  scanner_->AddSecret("the Proxy-Authorization value",
                      Poco::replace(Base64("alice:" + kProxyPassword), "=", ""));
  scanner_->AddSecret("the wrong Proxy-Authorization value",
                      Poco::replace(Base64("alice:" + kWrongProxyPassword), "=", ""));
  scanner_->AddSecret("the Graph app's secret", m365emu::kDemoGraphSecretValue);
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"}) ::unsetenv(name);
  // tinyproxy takes letters, digits, - and _ in a BasicAuth password.
  Tinyproxy proxy(state_dir_ + "/tinyproxy", {"alice", kProxyPassword, {}});
  ASSERT_TRUE(proxy.running());
  const std::string with_user = "http://alice@127.0.0.1:" + std::to_string(proxy.port());

  notify::Settings graph = FaultSettings();
  graph["client_id"] = m365emu::kDemoGraphClientId;
  graph["client_secret"] = m365emu::kDemoGraphSecretValue;
  graph["graph_url"] = emulator_->graph_url();
  graph["transport"] = "auto";
  graph["https_proxy"] = with_user;
  graph["https_proxy_password"] = kProxyPassword;
  Save("through the proxy", graph, "admin@contoso.com");
  Send("through the proxy", 2, graph);
  notify::Settings smtp = FaultSettings();
  smtp["https_proxy"] = with_user;
  smtp["https_proxy_password"] = kProxyPassword;
  Save("SMTP beside the proxy", smtp, "admin@contoso.com");
  notify::Settings wrong = graph;
  wrong["https_proxy_password"] = kWrongProxyPassword;
  Save("wrong proxy password", wrong, "");
  Send("wrong proxy password", 1, wrong);
  notify::Settings inline_password = graph;
  inline_password.erase("https_proxy_password");
  inline_password["https_proxy"] =
      "http://alice:" + kProxyPassword + "@127.0.0.1:" + std::to_string(proxy.port());
  Save("password inside the URL", inline_password, "");
  notify::test_support::RefusingPort refusing;
  notify::Settings unreachable = graph;
  unreachable["https_proxy"] = "http://alice@127.0.0.1:" + std::to_string(refusing.port());
  Save("unreachable proxy", unreachable, "");

  notify::Settings from_environment = graph;
  from_environment.erase("https_proxy");
  from_environment.erase("https_proxy_password");
  for (const std::string& password : {kProxyPassword, kWrongProxyPassword}) {
    ::setenv("HTTPS_PROXY",
             ("http://alice:" + password + "@127.0.0.1:" + std::to_string(proxy.port())).c_str(),
             1);
    Save("the environment's proxy", from_environment, "admin@contoso.com");
    Send("the environment's proxy", 1, from_environment);
  }
  ::setenv("HTTPS_PROXY", ("socks5://alice:" + kProxyPassword + "@127.0.0.1:1080").c_str(), 1);
  Save("an unusable environment proxy", from_environment, "");
  ::unsetenv("HTTPS_PROXY");

  EXPECT_GE(proxy.Connects("localhost:" + std::to_string(emulator_->token_port())), 1)
      << "nothing went through the proxy: the check would be blind";
  scanner_->Collect("plugin log", host_.AllText());
  scanner_->ExpectNoLeak();
}

// The certificate credential: no line of the private key in any report,
// result, health or log line, passing or refused.
TEST_F(SecretLeakTest, NothingOfThePrivateKeyInAnyCertificateScenario) {
  const std::string certs = state_dir_ + "/certs";
  auto registered = m365emu::MakeClientCertificate(certs, "leak-registered");
  auto unregistered = m365emu::MakeClientCertificate(certs, "leak-unregistered");
  for (const auto* files : {&registered, &unregistered}) {
    std::istringstream key(notify::test_support::ReadWholeFile(files->key_file));
    std::string line;
    while (std::getline(key, line)) {
      if (line.rfind("-----", 0) != 0 && line.size() >= 16)
        scanner_->AddSecret("a line of a private key", line);
    }
  }
  m365emu::Config config = m365emu::DemoConfig();
  config.app().certificates.push_back(registered.cert_pem);
  emulator_->SetConfig(config);
  for (const auto* files : {&registered, &unregistered}) {
    notify::Settings s = FaultSettings();
    s.erase("client_secret");
    s["credential"] = "certificate";
    s["certificate_file"] = files->pem_file;
    Save(files->pem_file, s, "admin@contoso.com");
    M365Channel channel(host_);
    notify::OpenResult opened = channel.Open(s);
    ASSERT_NE(opened.sender, nullptr);
    for (const auto& r : opened.sender->Deliver(DeliveryLedger::Batch("certificate", 2)))
      scanner_->Collect("result", r.detail);
    auto health = opened.sender->Health();
    scanner_->Collect("health", health.cause + " " + health.remedy);
  }
  // The key file readable by others: a warning naming the file, not its text.
  fs::permissions(unregistered.pem_file, fs::perms::others_read, fs::perm_options::add);
  notify::Settings s = FaultSettings();
  s.erase("client_secret");
  s["credential"] = "certificate";
  s["certificate_file"] = unregistered.pem_file;
  Save("readable key", s, "");
  scanner_->Collect("plugin log", host_.AllText());
  emulator_->SetConfig(m365emu::DemoConfig());
  EXPECT_GE(scanner_->texts(), 8u);
  scanner_->ExpectNoLeak();
}

// --- notify-host, the real binary with the built plugin, logging at trace ---

TEST_F(SecretLeakTest, NothingSecretInNotifyHostOutputAtTraceLevel) {
  fs::path dir = fs::path(state_dir_) / "host";
  fs::create_directories(dir / "plugins");
  // A copy, not a symlink: notify-host refuses a library that leads out of
  // its plugins directory (docs/host-api.md, Loading).
  fs::copy_file(M365_PLUGIN_FILE, dir / "plugins" / "m365_oauth_smtp.so");
  fs::permissions(dir / "plugins" / "m365_oauth_smtp.so",
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec);
  std::ofstream(dir / "host.properties") << "plugins.directory = plugins\n"
                                            "plugins.enabled = m365_oauth_smtp\n"
                                            "logging.loggers.root.level = trace\n"
                                            "logging.loggers.root.channel = console\n"
                                            "logging.channels.console.class = ConsoleChannel\n";
  std::string all;
  int runs = 0;
  auto host = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir / "host.properties").string()});
    auto run = notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir);
    all += run.out + run.err;
    ++runs;
    return run.rc;
  };
  std::vector<std::string> save = {"ruleset", "save", "r1", "--channel", "m365_oauth_smtp"};
  for (const auto& [k, v] : FaultSettings()) {
    if (k != "client_secret") save.insert(save.end(), {"--set", k + "=" + v});
  }
  auto with = [](std::vector<std::string> args, std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  std::string secret = std::string("client_secret=") + m365emu::kDemoSecretValue;
  EXPECT_EQ(host(with(save, {"--set", "client_secret=" + kWrongSecret})), 3);
  EXPECT_EQ(host(with(save, {"--set", "client_secret=" + kWrongSecret, "--json"})), 3);
  EXPECT_EQ(host(with(save, {"--set", secret, "--test-to", "admin@contoso.com"})), 0);
  EXPECT_EQ(host(with(save, {"--json"})), 0);  // the stored secret is kept
  EXPECT_EQ(host({"ruleset", "show", "r1"}), 0);
  EXPECT_EQ(host({"ruleset", "show", "r1", "--json"}), 0);
  std::vector<std::string> send = {"send",      "--ruleset",  "r1",     "--to", "ops@contoso.com",
                                   "--subject", "leak check", "--body", "body"};
  EXPECT_EQ(host(send), 0);
  EXPECT_EQ(host(with(send, {"--json"})), 0);
  m365emu::Faults faults;
  faults.smtp_drop_after_data = true;
  emulator_->SetFaults(faults);
  EXPECT_EQ(host(with(send, {"--json"})), 4);
  faults = {};
  faults.token_http_500 = true;
  emulator_->SetFaults(faults);
  EXPECT_EQ(host(with(send, {"--json"})), 4);
  emulator_->SetFaults({});

  EXPECT_NE(all.find("sender opened"), std::string::npos) << "plugin logs not captured:\n" << all;
  EXPECT_NE(all.find("check token passed"), std::string::npos) << "Save's steps not logged";
  EXPECT_GE(emulator_->received().size(), 3u);  // test message and two sends
  EXPECT_EQ(runs, 10);
  scanner_->Collect("notify-host output", all);
  scanner_->ExpectNoLeak();
  // The state database keeps the secret sealed with the host key
  // (docs/security.md, "The host key"): the saves above without it sent
  // with the stored one, yet no file of the host holds it in clear.
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(notify::test_support::ReadWholeFile(entry.path()).find(m365emu::kDemoSecretValue),
              std::string::npos)
        << entry.path();
  }
}

}  // namespace
}  // namespace m365::testing
