// SMTP submission: protocol, XOAUTH2 verification, the replies table of docs/microsoft-365.md,
// limits and faults, driven by a small in-process client.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "test_support.hpp"

namespace m365emu::testing {
namespace {

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

class SmtpTest : public ::testing::Test {
 protected:
  void Start(Config c = DemoConfig()) { emu_ = std::make_unique<Emulator>(c, dir_.path()); }
  std::string Login(SmtpClient& c, const std::string& token,
                    const std::string& mailbox = kDemoMailbox) {
    return c.Login(emu_->ca_file(), mailbox, token);
  }
  // AUTH reply for a token minted with `o` (or fetched when o is null).
  std::string AuthWith(const MintOptions* o, const std::string& mailbox = kDemoMailbox) {
    SmtpClient c(emu_->smtp_port());
    return Login(c, o ? emu_->MintToken(*o) : FetchToken(*emu_), mailbox);
  }
  TempDir dir_;
  std::unique_ptr<Emulator> emu_;
};

TEST_F(SmtpTest, GreetingAndEhloBeforeAndAfterTls) {
  Start();
  SmtpClient c(emu_->smtp_port());
  std::string greeting = c.Read();
  // The day of the month has one or two digits (RFC 5322 date-time; Exchange
  // writes "Tue, 1 Dec 2026" on the first).
  EXPECT_TRUE(std::regex_match(
      greeting, std::regex("220 \\S+ Microsoft ESMTP MAIL Service ready at \\w{3}, \\d{1,2} \\w{3} "
                           "\\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000 \\[[0-9A-F]{16}\\]")))
      << greeting;
  const std::string host = DemoConfig().smtp_hostname;
  EXPECT_EQ(c.Cmd("EHLO client.example"),
            "250-" + host +
                " Hello [127.0.0.1]\n250-SIZE 157286400\n250-PIPELINING\n250-DSN\n"
                "250-ENHANCEDSTATUSCODES\n250-STARTTLS\n250-8BITMIME\n250-BINARYMIME\n"
                "250-CHUNKING\n250 SMTPUTF8");
  // No AUTH before TLS.
  EXPECT_TRUE(
      StartsWith(c.Cmd("AUTH XOAUTH2 " + Xoauth2(kDemoMailbox, FetchToken(*emu_))), "504 5.7.4"));
  EXPECT_TRUE(StartsWith(c.Cmd("MAIL FROM:<notify@contoso.onmicrosoft.com>"), "530 5.7.57"));
  ASSERT_TRUE(c.StartTls(emu_->ca_file()));
  EXPECT_EQ(c.Cmd("EHLO client.example"),
            "250-" + host +
                " Hello [127.0.0.1]\n250-SIZE 157286400\n250-PIPELINING\n250-DSN\n"
                "250-ENHANCEDSTATUSCODES\n250-AUTH LOGIN XOAUTH2\n250-8BITMIME\n250-BINARYMIME\n"
                "250-CHUNKING\n250 SMTPUTF8");
  EXPECT_TRUE(StartsWith(c.Cmd("MAIL FROM:<notify@contoso.onmicrosoft.com>"),
                         "530 5.7.57 Client not authenticated to send mail"));
  EXPECT_EQ(c.Cmd("QUIT"), "221 2.0.0 Service closing transmission channel");
  EXPECT_EQ(emu_->stats().starttls_count, 1u);
}

TEST_F(SmtpTest, DeliversOneLineAndTwoStepAuth) {
  Start();
  const std::string token = FetchToken(*emu_);
  {
    SmtpClient c(emu_->smtp_port());
    EXPECT_EQ(Login(c, token), "235 2.7.0 Authentication successful");
    std::string r = c.SendMessage(kDemoMailbox, {"a@example.org", "b@example.net"},
                                  SimpleMime(kDemoMailbox, "one"));
    EXPECT_EQ(r, "250 2.0.0 OK <one@contoso.com> [Hostname=" + DemoConfig().smtp_hostname + "]");
  }
  {
    SmtpClient c(emu_->smtp_port());
    c.Read();
    c.Cmd("EHLO x.example");
    ASSERT_TRUE(c.StartTls(emu_->ca_file()));
    c.Cmd("EHLO x.example");
    EXPECT_EQ(c.Cmd("AUTH XOAUTH2"), "334 ");
    EXPECT_EQ(c.Cmd(Xoauth2(kDemoMailbox, token)), "235 2.7.0 Authentication successful");
    EXPECT_TRUE(StartsWith(
        c.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox, "two")), "250 "));
  }
  ASSERT_TRUE(emu_->WaitForMessages(2, std::chrono::seconds(5)));
  auto msgs = emu_->received();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].raw, SimpleMime(kDemoMailbox, "one"));  // dots un-stuffed
  EXPECT_EQ(msgs[0].recipients, (std::vector<std::string>{"a@example.org", "b@example.net"}));
  EXPECT_EQ(msgs[0].envelope_from, kDemoMailbox);
  EXPECT_EQ(msgs[0].authenticated_mailbox, kDemoMailbox);
  EXPECT_EQ(msgs[0].client_id, kDemoClientId);
  EXPECT_EQ(msgs[0].connection, 1u);
  EXPECT_EQ(msgs[1].connection, 2u);
  EXPECT_EQ(ReadFile(msgs[0].spool_file), msgs[0].raw);
  Stats s = emu_->stats();
  EXPECT_EQ(s.auth_attempts, 2u);
  EXPECT_EQ(s.auth_successes, 2u);
  EXPECT_EQ(s.messages_accepted, 2u);
  EXPECT_EQ(s.smtp_reply_counts["235 2.7.0"], 2u);
}

TEST_F(SmtpTest, BadTokensGet535With5_7_3) {
  Start();
  MintOptions foreign;
  foreign.foreign_key = true;
  MintOptions expired;
  expired.issued_at_offset_seconds = -7200;
  MintOptions graph;
  graph.audience = kGraphResource;
  MintOptions no_role;
  no_role.roles = std::vector<std::string>{};
  MintOptions graph_role;
  graph_role.roles = std::vector<std::string>{kGraphMailSendRole};
  MintOptions other_tenant;
  other_tenant.tenant_id = "00000000-1111-4222-8333-444444444444";
  for (const MintOptions* o : {&foreign, &expired, &graph, &no_role, &graph_role, &other_tenant}) {
    EXPECT_TRUE(StartsWith(AuthWith(o), "535 5.7.3 Authentication unsuccessful ["));
  }
  // Garbage instead of a token; unknown mailbox.
  SmtpClient c(emu_->smtp_port());
  EXPECT_TRUE(StartsWith(Login(c, "not-a-jwt"), "535 5.7.3"));
  EXPECT_TRUE(StartsWith(AuthWith(nullptr, "nobody@contoso.onmicrosoft.com"), "535 5.7.3"));
  Stats s = emu_->stats();
  EXPECT_EQ(s.auth_successes, 0u);
  EXPECT_EQ(s.auth_failure_reasons["token signature invalid"], 2u);
  EXPECT_EQ(s.auth_failure_reasons["token expired"], 1u);
  EXPECT_EQ(s.auth_failure_reasons["no SMTP.SendAsApp role"], 2u);
}

TEST_F(SmtpTest, ExchangeSideSetupMistakes) {
  Config c = DemoConfig();
  c.app().exchange_service_principal_registered = false;
  Start(c);
  EXPECT_TRUE(StartsWith(AuthWith(nullptr), "535 5.7.3"));
  c = DemoConfig();
  c.app().mailbox_permissions.clear();
  emu_->SetConfig(c);
  EXPECT_TRUE(StartsWith(AuthWith(nullptr), "535 5.7.3"));
  // The other mailbox was never granted either.
  emu_->SetConfig(DemoConfig());
  EXPECT_TRUE(StartsWith(AuthWith(nullptr, kDemoOtherMailbox), "535 5.7.3"));
  EXPECT_EQ(emu_->stats().auth_failure_reasons["service principal not registered in Exchange"], 1u);
  EXPECT_EQ(emu_->stats().auth_failure_reasons["no mailbox permission"], 2u);

  // Variant: permission problem reported at DATA as 430 4.2.0.
  c = DemoConfig();
  c.app().mailbox_permissions.clear();
  c.mailbox_permission_failure_at_data = true;
  emu_->SetConfig(c);
  SmtpClient client(emu_->smtp_port());
  EXPECT_EQ(Login(client, FetchToken(*emu_)), "235 2.7.0 Authentication successful");
  EXPECT_TRUE(
      StartsWith(client.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox)),
                 "430 4.2.0 STOREDRV; mailbox logon failure"));
}

TEST_F(SmtpTest, SmtpAuthSwitches) {
  Config c = DemoConfig();
  c.tenant().smtp_auth_enabled = false;
  Start(c);
  EXPECT_TRUE(StartsWith(AuthWith(nullptr),
                         "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                         "disabled for the Tenant."));
  c.FindMailbox(kDemoMailbox)->smtp_auth = SmtpAuthSetting::kEnabled;  // per-mailbox override
  emu_->SetConfig(c);
  EXPECT_EQ(AuthWith(nullptr), "235 2.7.0 Authentication successful");
  c = DemoConfig();
  c.FindMailbox(kDemoMailbox)->smtp_auth = SmtpAuthSetting::kDisabled;
  emu_->SetConfig(c);
  EXPECT_TRUE(StartsWith(AuthWith(nullptr),
                         "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                         "disabled for the Mailbox."));
}

TEST_F(SmtpTest, FourthConcurrentConnectionGets432) {
  Start();
  const std::string token = FetchToken(*emu_);
  std::vector<std::unique_ptr<SmtpClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<SmtpClient>(emu_->smtp_port()));
    EXPECT_EQ(Login(*open.back(), token), "235 2.7.0 Authentication successful");
  }
  SmtpClient fourth(emu_->smtp_port());
  EXPECT_TRUE(StartsWith(Login(fourth, token),
                         "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"));
  open.back()->Cmd("QUIT");
  open.pop_back();
  // The session gives its slot back before it leaves the connection count.
  ASSERT_TRUE(
      WaitUntil([&] { return emu_->stats().current_connections == 3; }, std::chrono::seconds(10)));
  EXPECT_EQ(fourth.Cmd("AUTH XOAUTH2 " + Xoauth2(kDemoMailbox, token)),
            "235 2.7.0 Authentication successful");
  EXPECT_GE(emu_->stats().max_concurrent_connections, 4u);
}

TEST_F(SmtpTest, SenderChecks) {
  Start();
  SmtpClient c(emu_->smtp_port());
  ASSERT_EQ(Login(c, FetchToken(*emu_)), "235 2.7.0 Authentication successful");
  EXPECT_TRUE(StartsWith(c.Cmd("MAIL FROM:<other@contoso.onmicrosoft.com>"),
                         "550 5.7.60 SMTP; Client does not have permissions to send as this "
                         "sender"));
  EXPECT_TRUE(
      StartsWith(c.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoOtherMailbox)),
                 "554 5.2.252 SendAsDenied; notify@contoso.onmicrosoft.com not allowed to "
                 "send as other@contoso.onmicrosoft.com; STOREDRV.Submission.Exception:"
                 "SendAsDeniedException"));
  EXPECT_EQ(emu_->received().size(), 0u);
  // Still usable afterwards.
  EXPECT_TRUE(StartsWith(c.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox)),
                         "250 2.0.0 OK"));
}

TEST_F(SmtpTest, BdatChunksAreAssembled) {
  Start();
  SmtpClient c(emu_->smtp_port());
  ASSERT_EQ(Login(c, FetchToken(*emu_)), "235 2.7.0 Authentication successful");
  EXPECT_EQ(c.Cmd("MAIL FROM:<notify@contoso.onmicrosoft.com> BODY=BINARYMIME"),
            "250 2.1.0 Sender OK");
  EXPECT_EQ(c.Cmd("RCPT TO:<a@example.org>"), "250 2.1.5 Recipient OK");
  const std::string mime = SimpleMime(kDemoMailbox, "bdat");
  const std::string first = mime.substr(0, 40), rest = mime.substr(40);
  c.SendRaw("BDAT 40\r\n" + first);
  EXPECT_EQ(c.Read(), "250 2.0.0 40 bytes received");
  c.SendRaw("BDAT " + std::to_string(rest.size()) + " LAST\r\n" + rest);
  EXPECT_EQ(c.Read(),
            "250 2.0.0 OK <bdat@contoso.com> [Hostname=" + DemoConfig().smtp_hostname + "]");
  ASSERT_EQ(emu_->received().size(), 1u);
  EXPECT_EQ(emu_->received()[0].raw, mime);  // BDAT data is not dot-stuffed
}

TEST_F(SmtpTest, LineLengthsAndSequence) {
  Start();
  SmtpClient c(emu_->smtp_port());
  c.Read();
  EXPECT_EQ(c.Cmd("NOOP " + std::string(600, 'x')), "500 5.5.2 Line too long");
  EXPECT_EQ(c.Cmd("NOOP"), "250 2.0.0 OK");
  EXPECT_TRUE(StartsWith(c.Cmd("FROB"), "500 5.3.3"));
  c.Cmd("EHLO x.example");
  ASSERT_TRUE(c.StartTls(emu_->ca_file()));
  c.Cmd("EHLO x.example");
  // A 4 KB token on the AUTH line is accepted (RFC 4954 allows 12288).
  MintOptions big;
  big.roles = std::vector<std::string>{kSmtpSendAsAppRole};
  for (int i = 0; i < 120; ++i) big.roles->push_back("Padding.Role." + std::to_string(i));
  std::string token = emu_->MintToken(big);
  ASSERT_GT(token.size(), 3000u);
  EXPECT_EQ(c.Cmd("AUTH XOAUTH2 " + Xoauth2(kDemoMailbox, token)),
            "235 2.7.0 Authentication successful");
  EXPECT_TRUE(StartsWith(c.Cmd("RCPT TO:<a@example.org>"), "503 5.5.1"));
  EXPECT_TRUE(StartsWith(c.Cmd("DATA"), "503 5.5.1"));
}

TEST_F(SmtpTest, ErrorChallengeVariant) {
  Config cfg = DemoConfig();
  cfg.xoauth2_error_challenge = true;
  Start(cfg);
  SmtpClient c(emu_->smtp_port());
  MintOptions foreign;
  foreign.foreign_key = true;
  std::string r = Login(c, emu_->MintToken(foreign));
  EXPECT_TRUE(StartsWith(r, "334 ey")) << r;  // base64 of {"status":"401",...}
  EXPECT_TRUE(StartsWith(c.Cmd(""), "535 5.7.3"));
}

TEST_F(SmtpTest, RecipientLimitAndRateDelay) {
  Config cfg = DemoConfig();
  cfg.limits.recipients_per_message = 2;
  cfg.limits.messages_per_minute = 2;
  // A window long enough that three messages on loopback always fall into
  // it, even on a loaded machine under sanitizers.
  cfg.limits.rate_window_ms = 4000;
  Start(cfg);
  SmtpClient c(emu_->smtp_port());
  ASSERT_EQ(Login(c, FetchToken(*emu_)), "235 2.7.0 Authentication successful");
  EXPECT_EQ(c.Cmd("MAIL FROM:<notify@contoso.onmicrosoft.com>"), "250 2.1.0 Sender OK");
  EXPECT_EQ(c.Cmd("RCPT TO:<a@example.org>"), "250 2.1.5 Recipient OK");
  EXPECT_EQ(c.Cmd("RCPT TO:<b@example.org>"), "250 2.1.5 Recipient OK");
  EXPECT_EQ(c.Cmd("RCPT TO:<c@example.org>"), "452 4.5.3 Too many recipients");
  EXPECT_EQ(c.Cmd("RSET"), "250 2.0.0 Resetting");
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(StartsWith(c.SendMessage(kDemoMailbox, {"a@example.org"},
                                         SimpleMime(kDemoMailbox, "r" + std::to_string(i))),
                           "250 2.0.0 OK"));
  }
  // The third was held back until the window moved on (delayed, never refused).
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(4000 - 200));
  EXPECT_EQ(emu_->stats().messages_delayed, 1u);
  EXPECT_EQ(emu_->received().size(), 3u);
}

TEST_F(SmtpTest, ConnectionFaults) {
  Start();
  const std::string token = FetchToken(*emu_);
  Faults f;
  f.smtp_421_at_greeting = true;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port());
    EXPECT_TRUE(StartsWith(c.Read(), "421 4.3.2"));
    EXPECT_TRUE(c.Closed());
  }
  f = Faults{};
  f.smtp_no_starttls = true;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port());
    c.Read();
    EXPECT_EQ(c.Cmd("EHLO x.example").find("STARTTLS"), std::string::npos);
    EXPECT_TRUE(StartsWith(c.Cmd("STARTTLS"), "500 5.3.3"));
  }
  f = Faults{};
  f.smtp_drop_after_messages = 1;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port());
    Login(c, token);
    EXPECT_TRUE(StartsWith(c.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox)),
                           "250 "));
    EXPECT_TRUE(c.Closed());
  }
  for (int mode = 0; mode < 3; ++mode) {
    f = Faults{};
    f.smtp_drop_mid_data = mode == 0;
    f.smtp_drop_after_data = mode == 1;
    f.smtp_silent_after_data = mode == 2;
    emu_->SetFaults(Faults{});
    SmtpClient c(emu_->smtp_port(), 2);
    Login(c, token);
    emu_->SetFaults(f);
    EXPECT_EQ(c.SendMessage(kDemoMailbox, {"a@example.org"}, SimpleMime(kDemoMailbox)), "")
        << "mode " << mode;
  }
  EXPECT_EQ(emu_->received().size(), 1u);
  f = Faults{};
  f.smtp_rcpt_replies["busy@example.org"] = "450 4.2.1 Mailbox busy";
  f.smtp_reply_delay_ms = 100;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port());
    Login(c, token);
    c.Cmd("MAIL FROM:<notify@contoso.onmicrosoft.com>");
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.Cmd("RCPT TO:<busy@example.org>"), "450 4.2.1 Mailbox busy");
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(90));
  }
}

TEST_F(SmtpTest, SilenceAndIdleTimeout) {
  Start();
  Faults f;
  f.smtp_silent_after_connect = true;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port(), 1);
    EXPECT_EQ(c.Read(), "");
  }
  f = Faults{};
  f.smtp_silent_after_ehlo = true;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port(), 1);
    EXPECT_TRUE(StartsWith(c.Read(), "220 "));
    EXPECT_EQ(c.Cmd("EHLO x.example"), "");
  }
  f = Faults{};
  f.smtp_idle_timeout_seconds = 1;
  emu_->SetFaults(f);
  {
    SmtpClient c(emu_->smtp_port(), 1 + 10);  // the idle timeout, and room for a loaded machine
    EXPECT_TRUE(StartsWith(c.Read(), "220 "));
    EXPECT_TRUE(StartsWith(c.Read(), "421 4.4.1"));
    EXPECT_TRUE(c.Closed());
  }
}

TEST_F(SmtpTest, StopDoesNotHangWithOpenSessions) {
  Start();
  Faults f;
  f.smtp_silent_after_connect = true;
  emu_->SetFaults(f);
  SmtpClient a(emu_->smtp_port()), b(emu_->smtp_port());
  ASSERT_TRUE(
      WaitUntil([&] { return emu_->stats().current_connections == 2; }, std::chrono::seconds(10)));
  auto t0 = std::chrono::steady_clock::now();
  emu_->Stop();
  // Stop returns within about a second; the rest is room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1 + 10));
  EXPECT_TRUE(a.Closed());
}

}  // namespace
}  // namespace m365emu::testing
