// The m365-emulator program: ready line, token + delivery with curl (SMTP and
// Graph), stats file, clean stop on SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "test_support.hpp"

namespace m365emu::testing {
namespace {

std::string Field(const std::string& json, const std::string& key) {
  std::string k = "\"" + key + "\":";
  std::size_t at = json.find(k);
  if (at == std::string::npos) return "";
  at += k.size();
  if (json[at] == '"') return json.substr(at + 1, json.find('"', at + 1) - at - 1);
  return json.substr(at, json.find_first_of(",}", at) - at);
}

TEST(StandaloneTest, RunsDemoConfigAndStopsOnSigterm) {
  TempDir dir;
  const std::string out_path = dir.path() + "/stdout";
  const std::string state = dir.path() + "/state";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::execl(M365EMU_PROGRAM, M365EMU_PROGRAM, "--config", M365EMU_DEMO_CONFIG, "--state-dir",
            state.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  std::string ready;
  // Generous: the program makes its keys and certificates before the line.
  WaitUntil(
      [&] {
        ready = ReadFile(out_path);
        return ready.find('\n') != std::string::npos;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(20));
  ASSERT_NE(ready.find('\n'), std::string::npos) << "no ready line";
  const std::string ca = Field(ready, "ca_file");
  const std::string authority = Field(ready, "authority");
  EXPECT_EQ(Field(ready, "smtp_host"), "localhost");
  EXPECT_NE(Field(ready, "token_url_template").find("/{tenant}/oauth2/v2.0/token"),
            std::string::npos);

  ProcessResult tok =
      RunProcess({"curl", "-sS", "--cacert", ca, "-d", "grant_type=client_credentials", "-d",
                  std::string("client_id=") + kDemoClientId, "--data-urlencode",
                  std::string("client_secret=") + kDemoSecretValue, "--data-urlencode",
                  "scope=https://outlook.office365.com/.default",
                  authority + "/" + kDemoTenantDomain + "/oauth2/v2.0/token"},
                 20);
  ASSERT_EQ(tok.exit_code, 0) << tok.output;
  std::string token = Field(tok.output, "access_token");
  ASSERT_FALSE(token.empty()) << tok.output;
  WriteFile(dir.path() + "/m.eml", SimpleMime(kDemoMailbox, "standalone"));
  ProcessResult send = RunProcess(
      {"curl", "-sS", "--ssl-reqd", "--url", "smtp://localhost:" + Field(ready, "smtp_port"),
       "--mail-from", kDemoMailbox, "--mail-rcpt", "someone@example.org", "--oauth2-bearer", token,
       "--login-options", "AUTH=XOAUTH2", "--cacert", ca, "--user", kDemoMailbox, "-T",
       dir.path() + "/m.eml"},
      20);
  EXPECT_EQ(send.exit_code, 0) << send.output;

  // The demo's Graph app (Mail.Send only) sends through graph_url.
  const std::string graph_url = Field(ready, "graph_url");
  EXPECT_EQ(graph_url.rfind("https://localhost:", 0), 0u) << ready;
  ProcessResult graph_tok =
      RunProcess({"curl", "-sS", "--cacert", ca, "-d", "grant_type=client_credentials", "-d",
                  std::string("client_id=") + kDemoGraphClientId, "--data-urlencode",
                  std::string("client_secret=") + kDemoGraphSecretValue, "--data-urlencode",
                  "scope=https://graph.microsoft.com/.default",
                  authority + "/" + kDemoTenantDomain + "/oauth2/v2.0/token"},
                 20);
  ASSERT_EQ(graph_tok.exit_code, 0) << graph_tok.output;
  const std::string graph_token = Field(graph_tok.output, "access_token");
  ProcessResult graph_send = RunProcess(
      {"curl", "-sS", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "-H",
       "Authorization: Bearer " + graph_token, "-H", "Content-Type: text/plain", "--data-binary",
       // base64 of "To: a@example.org\r\nSubject: s\r\n\r\nhi\r\n"
       "VG86IGFAZXhhbXBsZS5vcmcNClN1YmplY3Q6IHMNCg0KaGkNCg==",
       graph_url + "/v1.0/users/" + kDemoMailbox + "/sendMail"},
      20);
  EXPECT_EQ(graph_send.output, "202");

  // The program rewrites its stats file every half second.
  std::string stats;
  WaitUntil(
      [&] {
        stats = ReadFile(Field(ready, "stats_file"));
        return Field(stats, "messages_accepted") == "2";
      },
      std::chrono::seconds(10), std::chrono::milliseconds(20));
  EXPECT_EQ(Field(stats, "messages_accepted"), "2") << stats;
  EXPECT_EQ(Field(stats, "token_successes"), "2") << stats;

  ::kill(pid, SIGTERM);
  int status = 0;
  // It stops within about a second; the rest is room for a loaded machine.
  if (!WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; },
                 std::chrono::seconds(1 + 10), std::chrono::milliseconds(20))) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "did not stop on SIGTERM";
  }
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace m365emu::testing
