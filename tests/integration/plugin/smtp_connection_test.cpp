// SmtpConnection step by step against the emulator: TLS with host-name
// checks, no token without TLS, the two forms of AUTH XOAUTH2, the 334 error
// challenge, deadlines; and implicit TLS on port 465 against a small server.
#include "smtp/smtp_connection.hpp"

#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "delivery_fixture.hpp"
#include "net/tls_context.hpp"
#include "notify/test_support/refusing_port.hpp"
#include "smtp/xoauth2.hpp"

namespace m365::testing {
namespace {

class SmtpConnectionTest : public DeliveryTest {
 protected:
  SmtpEndpoint Endpoint(const std::string& host = "localhost", int timeout_s = 5) {
    auto tls = MakeClientTlsContext(emulator_->ca_file());
    EXPECT_TRUE(tls.ok()) << tls.status().message();
    return SmtpEndpoint{host, emulator_->smtp_port(), std::chrono::seconds(timeout_s),
                        tls.ok() ? tls.value() : nullptr};
  }

  // Has the emulator present `fault`'s certificate, then connects `c`, says
  // EHLO and returns what STARTTLS ended with.
  SmtpStepResult StartTlsAgainst(m365emu::CertFault fault, SmtpConnection& c) {
    m365emu::Faults faults;
    faults.smtp_certificate = fault;
    emulator_->SetFaults(faults);
    EXPECT_TRUE(c.Connect().ok);
    EXPECT_TRUE(c.Ehlo().ok);
    return c.StartTls();
  }

  // Connect, EHLO and STARTTLS, asserting each passes.
  void OpenTls(SmtpConnection& c) {
    ASSERT_TRUE(c.Connect().ok);
    ASSERT_TRUE(c.Ehlo().ok);
    SmtpStepResult tls = c.StartTls();
    ASSERT_TRUE(tls.ok) << tls.error << tls.reply.ToString();
  }

  bool ServerSent(const std::string& prefix) {
    for (const auto& line : emulator_->stats().smtp_replies) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
};

TEST_F(SmtpConnectionTest, LocalhostCertificateIsAcceptedByName) {
  SmtpConnection c(Endpoint("localhost"));
  SmtpStepResult r = c.Connect();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply.code, 220);
  ASSERT_TRUE(c.Ehlo().ok);
  EXPECT_TRUE(c.OffersStartTls());
  EXPECT_FALSE(c.OffersXoauth2());  // no AUTH before TLS
  EXPECT_FALSE(c.IsTls());
  r = c.StartTls();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(c.IsTls());
  EXPECT_TRUE(c.OffersXoauth2());
  EXPECT_FALSE(c.OffersStartTls());
  r = c.Quit();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply.code, 221);
  EXPECT_FALSE(c.IsOpen());
}

TEST_F(SmtpConnectionTest, CertificateForAnotherNameIsRefused) {
  SmtpConnection c(Endpoint("localhost"));
  SmtpStepResult r = StartTlsAgainst(m365emu::CertFault::kWrongName, c);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("localhost"), std::string::npos) << r.error;
  EXPECT_FALSE(c.IsOpen());
  EXPECT_FALSE(c.AuthXoauth2(m365emu::kDemoMailbox, emulator_->MintToken()).ok);
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SmtpConnectionTest, CertificateOfAnUntrustedCaIsRefused) {
  SmtpConnection c(Endpoint("localhost"));
  SmtpStepResult r = StartTlsAgainst(m365emu::CertFault::kUntrustedCa, c);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(c.IsOpen());
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SmtpConnectionTest, NoTokenIsSentWithoutTls) {
  SmtpConnection c(Endpoint());
  ASSERT_TRUE(c.Connect().ok);
  ASSERT_TRUE(c.Ehlo().ok);
  SmtpStepResult r = c.AuthXoauth2(m365emu::kDemoMailbox, emulator_->MintToken());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply.code, 0);  // refused by the client: nothing was sent
  EXPECT_NE(r.error.find("TLS"), std::string::npos);
  EXPECT_TRUE(c.IsOpen());
  EXPECT_FALSE(ServerSent("504"));
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SmtpConnectionTest, StartTlsNotOfferedIsNotTried) {
  m365emu::Faults faults;
  faults.smtp_no_starttls = true;
  emulator_->SetFaults(faults);
  SmtpConnection c(Endpoint());
  ASSERT_TRUE(c.Connect().ok);
  ASSERT_TRUE(c.Ehlo().ok);
  EXPECT_FALSE(c.OffersStartTls());
  SmtpStepResult r = c.StartTls();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("does not offer STARTTLS"), std::string::npos);
  EXPECT_EQ(emulator_->stats().starttls_count, 0u);
}

TEST_F(SmtpConnectionTest, RealSizedTokenUsesTheTwoStepForm) {
  SmtpConnection c(Endpoint());
  OpenTls(c);
  std::string token = emulator_->MintToken();
  ASSERT_GT(("AUTH XOAUTH2 " + Xoauth2InitialResponse(m365emu::kDemoMailbox, token)).size(), 510u);
  SmtpStepResult r = c.AuthXoauth2(m365emu::kDemoMailbox, token);
  ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
  EXPECT_EQ(r.reply.ToString(), "235 2.7.0 Authentication successful");
  EXPECT_TRUE(ServerSent("334"));  // the empty challenge of the two-step form

  notify::Message m = MakeMessage(7);
  r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com"}, "Subject: x\r\n\r\n.dot\r\nbody\r\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply.code, 250);
  EXPECT_EQ(emulator_->received().at(0).raw, "Subject: x\r\n\r\n.dot\r\nbody\r\n");
}

TEST_F(SmtpConnectionTest, ShortResponseUsesTheOneLineForm) {
  SmtpConnection c(Endpoint());
  OpenTls(c);
  SmtpStepResult r = c.AuthXoauth2(m365emu::kDemoMailbox, "short.invalid.token");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply.code, 535);
  EXPECT_EQ(r.reply.enhanced, "5.7.3");
  EXPECT_FALSE(ServerSent("334"));
  EXPECT_TRUE(c.IsOpen());
}

TEST_F(SmtpConnectionTest, ErrorChallengeIsAnsweredWithAnEmptyLine) {
  m365emu::Config config = m365emu::DemoConfig();
  config.xoauth2_error_challenge = true;
  StartEmulator(config);
  m365emu::MintOptions expired;
  expired.issued_at_offset_seconds = -7200;
  for (std::string token : {std::string("short.invalid"), emulator_->MintToken(expired)}) {
    SmtpConnection c(Endpoint());
    OpenTls(c);
    SmtpStepResult r = c.AuthXoauth2(m365emu::kDemoMailbox, token);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reply.code, 535);  // the final reply, after the challenge
    EXPECT_NE(r.error.find("\"status\":\"401\""), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(token), std::string::npos);
    EXPECT_TRUE(c.IsOpen());
    EXPECT_EQ(c.Quit().reply.code, 221);  // the dialogue is still in step
  }
}

TEST_F(SmtpConnectionTest, SilentServerTimesOut) {
  m365emu::Faults faults;
  faults.smtp_silent_after_connect = true;
  emulator_->SetFaults(faults);
  SmtpConnection c(Endpoint("localhost", 1));
  auto start = std::chrono::steady_clock::now();
  SmtpStepResult r = c.Connect();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  // The 1 s timeout ends the wait: no hang (generous for a loaded machine).
  EXPECT_LT(elapsed, std::chrono::seconds(1 + 10));
}

TEST_F(SmtpConnectionTest, ConnectionRefusedIsReported) {
  notify::test_support::RefusingPort refusing;
  SmtpEndpoint endpoint = Endpoint();
  endpoint.port = refusing.port();
  SmtpConnection c(endpoint);
  SmtpStepResult r = c.Connect();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
}

// Port 465 means implicit TLS: the handshake comes before the greeting. The
// emulator only speaks STARTTLS, so a small server with its certificate
// stands in, on a port of its own that the endpoint names as the implicit
// TLS port (465 would need root).
TEST_F(SmtpConnectionTest, Port465IsImplicitTls) {
  std::string cert = emulator_->state_dir() + "/tls/localhost.pem";
  std::string key = emulator_->state_dir() + "/tls/localhost.key";
  ASSERT_TRUE(Poco::File(cert).exists()) << "emulator TLS material not found: " << cert;
  Poco::Net::Context::Ptr server_context = new Poco::Net::Context(
      Poco::Net::Context::TLS_SERVER_USE, key, cert, "", Poco::Net::Context::VERIFY_NONE);
  Poco::Net::SecureServerSocket server(server_context);
  server.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  server.listen();
  std::thread peer([&] {
    try {
      Poco::Net::StreamSocket s = server.acceptConnection();
      s.setReceiveTimeout(Poco::Timespan(5, 0));
      auto send = [&](const std::string& text) { s.sendBytes(text.data(), (int)text.size()); };
      char buffer[512];
      send("220 implicit.example ESMTP\r\n");
      s.receiveBytes(buffer, sizeof(buffer));  // EHLO
      send("250-implicit.example\r\n250 AUTH XOAUTH2\r\n");
      s.receiveBytes(buffer, sizeof(buffer));  // QUIT
      send("221 2.0.0 Bye\r\n");
    } catch (...) {
    }
  });
  SmtpEndpoint endpoint = Endpoint();
  endpoint.port = server.address().port();
  endpoint.implicit_tls_port = endpoint.port;
  SmtpConnection c(endpoint);
  SmtpStepResult r = c.Connect();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(c.IsTls());
  EXPECT_TRUE(c.Ehlo().ok);
  EXPECT_TRUE(c.OffersXoauth2());
  EXPECT_EQ(c.Quit().reply.code, 221);
  peer.join();
}

}  // namespace
}  // namespace m365::testing
