// Bad settings through the channel (docs/channel-settings.md): Save (online validation) and
// Open both refuse each one with an issue naming the field, say how to fix
// it, never echo the secret, and touch nothing on the network: the emulator
// sees no token request and no SMTP connection. m365_settings_test.cpp checks
// the rules one by one offline; this checks what the channel does with them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "fault_matrix_fixture.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/test_support/wait_until.hpp"

namespace m365::testing {
namespace {

struct BadSetting {
  std::string name;
  std::string key;  // the key to set; erased when `value` is kErase
  std::string value;
  std::string field;  // the issue must name this field
};

const std::string kErase = "\x01erase";

class BadSettingsTest : public FaultMatrixTest {
 protected:
  std::string TempFile(const std::string& name, const std::string& text) {
    std::string path = state_dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::vector<BadSetting> Cases() {
    const std::string guid = m365emu::kDemoClientId;
    std::vector<BadSetting> c = {
        {"server_name_empty", "server_name", "", "server_name"},
        {"server_name_65", "server_name", std::string(65, 'n'), "server_name"},
        {"server_name_crlf", "server_name", "a\r\nX-Injected: 1", "server_name"},
        {"server_name_nul", "server_name", std::string("a\0b", 3), "server_name"},
        {"port_word", "port", "smtp", "port"},
        {"port_zero", "port", "0", "port"},
        {"port_65536", "port", "65536", "port"},
        {"port_negative", "port", "-587", "port"},
        {"port_space", "port", "58 7", "port"},
        {"port_huge", "port", "99999999999999999999999", "port"},
        {"timeout_4", "timeout", "4", "timeout"},
        {"timeout_601", "timeout", "601", "timeout"},
        {"timeout_word", "timeout", "ten", "timeout"},
        {"timeout_float", "timeout", "5.5", "timeout"},
        {"batch_size_unknown", "batch_size", "huge", "batch_size"},
        {"batch_size_number", "batch_size", "30", "batch_size"},
        {"client_id_short", "client_id", guid.substr(1), "client_id"},
        {"client_id_not_hex", "client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5g", "client_id"},
        {"client_id_braces", "client_id", "{" + guid + "}", "client_id"},
        {"client_id_empty", "client_id", kErase, "client_id"},
        {"tenant_common", "tenant_id", "common", "tenant_id"},
        {"tenant_organizations", "tenant_id", "organizations", "tenant_id"},
        {"tenant_malformed_guid", "tenant_id", "4f7c2a51-0d3e-4b8a-9c61_2e5f8d7a1b30", "tenant_id"},
        {"tenant_equals_client", "tenant_id", guid, "tenant_id"},
        {"secret_empty", "client_secret", "", "client_secret"},
        {"secret_over_long", "client_secret", std::string(2000, 'S'), "client_secret"},
        {"secret_lf", "client_secret", "Xq8~Demo.Secret\nValue-1234567890", "client_secret"},
        {"secret_nul", "client_secret", std::string("Xq8~Demo.Secret\0Value-123", 25),
         "client_secret"},
        {"secret_is_the_secret_id", "client_secret", m365emu::kDemoSecretId, "client_secret"},
        {"from_not_an_address", "from_email", "notify", "from_email"},
        {"from_crlf", "from_email", "notify@contoso.com\r\nRCPT TO:<v@example.com>", "from_email"},
        {"from_name_crlf", "from_name", "Alerts\r\nBcc: v@example.com", "from_name"},
        {"from_name_129", "from_name", std::string(129, 'a'), "from_name"},
        {"authority_http", "authority_url",
         "http://localhost:" + std::to_string(emulator_->token_port()), "authority_url"},
        {"authority_no_scheme", "authority_url", "localhost:443", "authority_url"},
        {"authority_malformed", "authority_url", "https//login.microsoftonline.com",
         "authority_url"},
        {"authority_bad_port", "authority_url", "https://localhost:99999", "authority_url"},
        {"authority_over_long", "authority_url", "https://" + std::string(1100, 'a') + ".com",
         "authority_url"},
        {"smtp_host_with_port", "smtp_host", "localhost:" + std::to_string(emulator_->smtp_port()),
         "smtp_host"},
        {"smtp_host_crlf", "smtp_host", "localhost\r\nQUIT", "smtp_host"},
        {"cloud_unknown", "cloud", "germany", "cloud"},
        {"ca_file_missing", "ca_file", state_dir_ + "/no-such-ca.pem", "ca_file"},
        {"ca_file_unreadable", "ca_file", "/etc/hostname/ca.pem", "ca_file"},  // parent is a file
        {"ca_file_directory", "ca_file", state_dir_, "ca_file"},
        {"ca_file_not_pem", "ca_file", TempFile("not.pem", "just text\n"), "ca_file"},
        {"ca_file_pem_garbage", "ca_file",
         TempFile("garbage.pem",
                  "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"),
         "ca_file"},
        {"transport_unknown", "transport", "ews", "transport"},
        {"transport_upper_case", "transport", "GRAPH", "transport"},
        {"graph_url_http", "graph_url",
         "http://localhost:" + std::to_string(emulator_->graph_port()), "graph_url"},
        {"graph_url_ip", "graph_url",
         "https://127.0.0.1:" + std::to_string(emulator_->graph_port()), "graph_url"},
        {"graph_url_user", "graph_url", "https://user@localhost", "graph_url"},
        {"graph_url_query", "graph_url", "https://localhost/?x=1", "graph_url"},
        {"graph_url_crlf", "graph_url", "https://localhost\r\nX: y", "graph_url"},
        {"unknown_key", "smtp_server", "smtp.office365.com", "smtp_server"},
        {"typo_key", "client-secret", "x", "client-secret"},
    };
    return c;
  }
};

TEST_F(BadSettingsTest, EachIsRefusedNamingTheFieldAndNothingIsSent) {
  int tried = 0;
  for (const BadSetting& c : Cases()) {
    SCOPED_TRACE(c.name);
    notify::Settings s = FaultSettings();
    if (c.value == kErase) {
      s.erase(c.key);
    } else {
      s[c.key] = c.value;
    }
    M365Channel channel(host_);
    notify::ValidationReport report =
        channel.Validate(s, {notify::ValidationMode::kOnline, "admin@contoso.com"});
    std::string text = notify::sdk::testing::ReportText(report);
    EXPECT_FALSE(report.ok()) << text;
    EXPECT_TRUE(report.steps.empty()) << "no network step may run: " << text;
    bool named = false;
    for (const auto& issue : report.issues) {
      if (issue.field == c.field && issue.severity == notify::Severity::kError) {
        named = true;
        EXPECT_FALSE(issue.message.empty());
        EXPECT_FALSE(issue.remedy.empty()) << issue.message;
      }
    }
    EXPECT_TRUE(named) << text;
    if (c.key == "client_secret" && c.value.size() > 8) {
      EXPECT_EQ(text.find(c.value), std::string::npos) << "the secret was echoed";
    }
    notify::OpenResult opened = channel.Open(s);
    EXPECT_EQ(opened.sender, nullptr);
    EXPECT_FALSE(opened.report.ok());
    ++tried;
  }
  EXPECT_GE(tried, 45);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.token_requests, 0u);
  EXPECT_EQ(stats.smtp_connections, 0u);
  EXPECT_EQ(stats.graph_requests, 0u);
  EXPECT_EQ(emulator_->received().size(), 0u);
  EXPECT_EQ(host_.AllText().find(m365emu::kDemoSecretValue), std::string::npos);
  LiftAndExpectRecovery();  // the same channel works with the good settings
}

// A FIFO as ca_file would block the check (and Save) for as long as nobody
// writes to it, so the check must not open it. A watcher opens the FIFO's
// write end whenever someone holds it open for reading (opening it fails
// otherwise): that would be the check, and the watcher's open and close also
// end a blocked open or read, so such a check fails this test instead of
// hanging it.
TEST_F(BadSettingsTest, FifoAsCaFileDoesNotBlock) {
  std::string fifo = state_dir_ + "/ca.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  notify::Settings s = FaultSettings();
  s["ca_file"] = fifo;
  std::atomic<bool> validated{false};
  std::atomic<bool> opened_by_the_check{false};
  std::thread watcher([&] {
    notify::test_support::WaitUntil(
        [&] {
          int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
          if (fd >= 0) {
            opened_by_the_check = true;
            ::close(fd);
          }
          return validated.load();
        },
        std::chrono::seconds(60), milliseconds(1));
  });
  M365Channel channel(host_);
  notify::ValidationReport report = channel.Validate(s, {notify::ValidationMode::kOnline, ""});
  validated = true;
  watcher.join();
  EXPECT_FALSE(opened_by_the_check) << "the check opened the FIFO";
  ASSERT_FALSE(report.issues.empty());
  EXPECT_EQ(report.issues[0].field, "ca_file");
  EXPECT_EQ(emulator_->stats().token_requests, 0u);
}

}  // namespace
}  // namespace m365::testing
