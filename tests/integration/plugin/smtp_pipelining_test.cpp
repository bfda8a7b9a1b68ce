// SendMail with and without PIPELINING (RFC 2920): the same results either
// way against the emulator (which offers it), and, against small scripted
// servers, that the group really goes in one write and that a refusal or a
// lost connection inside it keeps the non-pipelined semantics.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "delivery_fixture.hpp"
#include "net/tls_context.hpp"
#include "scripted_smtp_server.hpp"
#include "smtp/smtp_connection.hpp"

namespace m365::testing {
namespace {

const std::string kMime = "Subject: x\r\n\r\n.dot\r\nbody\r\n";

// Each test runs twice, one command per round trip and pipelined, each on a
// fresh emulator. (Not TEST_P: the fixture names its state directory after
// the test, and a parameterized name holds a '/'.)
class PipeliningTest : public DeliveryTest {
 protected:
  SmtpEndpoint Endpoint() {
    auto tls = MakeClientTlsContext(emulator_->ca_file());
    EXPECT_TRUE(tls.ok()) << tls.status().message();
    SmtpEndpoint ep{"localhost", emulator_->smtp_port(), std::chrono::seconds(5),
                    tls.ok() ? tls.value() : nullptr};
    ep.pipelining = pipelining_;
    return ep;
  }

  // Connect, EHLO, STARTTLS, AUTH, asserting each passes.
  void OpenAuthenticated(SmtpConnection& c) {
    ASSERT_TRUE(c.Connect().ok);
    ASSERT_TRUE(c.Ehlo().ok);
    ASSERT_TRUE(c.StartTls().ok);
    EXPECT_TRUE(c.OffersPipelining());
    SmtpStepResult r = c.AuthXoauth2(m365emu::kDemoMailbox, emulator_->MintToken());
    ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
  }

  // Runs `body` without and with pipelining, each on a fresh emulator.
  template <class Body>
  void BothWays(Body body) {
    for (bool pipelining : {false, true}) {
      SCOPED_TRACE(pipelining ? "pipelined" : "one command at a time");
      pipelining_ = pipelining;
      StartEmulator(m365emu::DemoConfig());
      body();
      if (HasFatalFailure()) return;
    }
  }

  bool pipelining_ = true;
};

TEST_F(PipeliningTest, DeliversToOneAndToSeveralRecipients) {
  BothWays([&] {
    SmtpConnection c(Endpoint());
    OpenAuthenticated(c);
    std::vector<SmtpReply> replies;
    SmtpStepResult r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com"}, kMime, &replies);
    ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
    EXPECT_EQ(replies.size(), 1u);
    r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com", "b@contoso.com", "c@contoso.com"},
                   kMime, &replies);
    ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
    EXPECT_EQ(replies.size(), 3u);
    ASSERT_EQ(emulator_->received().size(), 2u);
    EXPECT_EQ(emulator_->received().at(0).raw, kMime);
    EXPECT_EQ(emulator_->received().at(1).raw, kMime);
    EXPECT_EQ(c.Quit().reply.code, 221);
  });
}

TEST_F(PipeliningTest, RefusedRecipientRefusesTheWholeMessageAndTheConnectionGoesOn) {
  BothWays([&] {
    m365emu::Faults faults;
    faults.smtp_rcpt_replies["bad@contoso.com"] = "550 5.1.10 RESOLVER.ADR.RecipientNotFound";
    emulator_->SetFaults(faults);
    SmtpConnection c(Endpoint());
    OpenAuthenticated(c);
    std::vector<SmtpReply> replies;
    for (const std::vector<std::string>& rcpts : std::vector<std::vector<std::string>>{
             {"bad@contoso.com"}, {"a@contoso.com", "bad@contoso.com"}}) {
      SmtpStepResult r = c.SendMail(m365emu::kDemoMailbox, rcpts, kMime, &replies);
      EXPECT_FALSE(r.ok);
      EXPECT_FALSE(r.connection_lost);
      EXPECT_EQ(r.reply.code, 550) << r.reply.ToString();
      EXPECT_EQ(replies.size(), rcpts.size());
      ASSERT_TRUE(c.IsOpen());
      ASSERT_TRUE(c.Reset().ok);
    }
    SmtpStepResult r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com"}, kMime);
    ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
    EXPECT_EQ(emulator_->received().size(), 1u);  // only the last one
    EXPECT_EQ(c.Quit().reply.code, 221);
  });
}

TEST_F(PipeliningTest, RefusedSenderRefusesTheMessageAndTheConnectionGoesOn) {
  BothWays([&] {
    SmtpConnection c(Endpoint());
    OpenAuthenticated(c);
    std::vector<SmtpReply> replies;
    SmtpStepResult r = c.SendMail("someone.else@fabrikam.com", {"a@contoso.com", "b@contoso.com"},
                                  kMime, &replies);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.connection_lost);
    EXPECT_EQ(r.reply.code, 550) << r.reply.ToString();
    EXPECT_TRUE(replies.empty());
    ASSERT_TRUE(c.Reset().ok);
    r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com"}, kMime);
    ASSERT_TRUE(r.ok) << r.error << r.reply.ToString();
    EXPECT_EQ(emulator_->received().size(), 1u);
  });
}

TEST_F(PipeliningTest, A421ToARecipientEndsTheConnection) {
  BothWays([&] {
    m365emu::Faults faults;
    faults.smtp_rcpt_replies["busy@contoso.com"] = "421 4.3.2 Service not available";
    emulator_->SetFaults(faults);
    SmtpConnection c(Endpoint());
    OpenAuthenticated(c);
    SmtpStepResult r = c.SendMail(m365emu::kDemoMailbox, {"busy@contoso.com"}, kMime);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reply.code, 421);
    EXPECT_TRUE(r.connection_lost);
    EXPECT_FALSE(c.IsOpen());
    EXPECT_TRUE(emulator_->received().empty());
  });
}

TEST_F(PipeliningTest, ConnectionLostAfterTheBodyIsOutcomeUnknown) {
  BothWays([&] {
    m365emu::Faults faults;
    faults.smtp_drop_after_data = true;
    emulator_->SetFaults(faults);
    SmtpConnection c(Endpoint());
    OpenAuthenticated(c);
    SmtpStepResult r = c.SendMail(m365emu::kDemoMailbox, {"a@contoso.com"}, kMime);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.connection_lost);
    EXPECT_TRUE(r.message_started);
    EXPECT_TRUE(r.outcome_unknown);
    EXPECT_EQ(r.reply.code, 0);
  });
}

// Greeting and EHLO offering PIPELINING.
void Hello(ScriptedServer& s) {
  s.Send("220 scripted ESMTP\r\n");
  s.ReadUntil("\r\n");
  s.Send("250-scripted\r\n250 PIPELINING\r\n");
}

SmtpConnection ConnectTo(const ScriptedServer& server) {
  return SmtpConnection(
      SmtpEndpoint{"127.0.0.1", server.port(), std::chrono::seconds(5), nullptr, true});
}

// Connects to `server`, says EHLO and sends one message to one recipient.
SmtpStepResult SendOneAfterHello(const ScriptedServer& server) {
  SmtpConnection c(ConnectTo(server));
  EXPECT_TRUE(c.Connect().ok);
  EXPECT_TRUE(c.Ehlo().ok);
  return c.SendMail("from@example.com", {"to@example.com"}, kMime);
}

TEST(PipeliningScripted, SendsTheGroupInOneGoAndALoneDotAfterAWrong354) {
  ScriptedServer server([](ScriptedServer& s) {
    Hello(s);
    // The server answers nothing until DATA: a client waiting for the
    // MAIL FROM reply would time out here.
    s.seen.push_back(s.ReadUntil("DATA\r\n"));
    // All recipients refused, yet DATA accepted (RFC 2920 section 1 (3)).
    s.Send("250 2.1.0 Sender OK\r\n550 5.1.1 unknown\r\n354 go ahead\r\n");
    s.seen.push_back(s.ReadUntil("\r\n"));
    s.Send("554 5.5.1 no valid recipients\r\n");
    s.seen.push_back(s.ReadUntil("\r\n"));
    s.Send("250 2.0.0 Resetting\r\n");
  });
  SmtpConnection c(ConnectTo(server));
  ASSERT_TRUE(c.Connect().ok);
  ASSERT_TRUE(c.Ehlo().ok);
  ASSERT_TRUE(c.OffersPipelining());
  std::vector<SmtpReply> replies;
  SmtpStepResult r = c.SendMail("from@example.com", {"to@example.com"}, kMime, &replies);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply.code, 550);
  EXPECT_FALSE(r.connection_lost);
  EXPECT_EQ(replies.size(), 1u);
  EXPECT_TRUE(c.Reset().ok);  // the stream is in step: RSET gets its own reply
  server.Join();
  ASSERT_FALSE(server.failed());
  ASSERT_EQ(server.seen.size(), 3u);
  EXPECT_EQ(server.seen[0], "MAIL FROM:<from@example.com>\r\nRCPT TO:<to@example.com>\r\nDATA\r\n");
  EXPECT_EQ(server.seen[1], ".\r\n");  // not the body
  EXPECT_EQ(server.seen[2], "RSET\r\n");
}

TEST(PipeliningScripted, SeveralRecipientsWaitForTheirRepliesBeforeData) {
  ScriptedServer server([](ScriptedServer& s) {
    Hello(s);
    s.seen.push_back(s.ReadUntil("RCPT TO:<b@example.com>\r\n"));
    s.Send("250 2.1.0 Sender OK\r\n250 2.1.5 OK\r\n550 5.1.1 unknown\r\n");
    s.seen.push_back(s.ReadUntil("\r\n"));  // RSET, never DATA
    s.Send("250 2.0.0 Resetting\r\n");
  });
  SmtpConnection c(ConnectTo(server));
  ASSERT_TRUE(c.Connect().ok);
  ASSERT_TRUE(c.Ehlo().ok);
  SmtpStepResult r = c.SendMail("from@example.com", {"a@example.com", "b@example.com"}, kMime);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply.code, 550);
  EXPECT_TRUE(c.Reset().ok);
  server.Join();
  ASSERT_FALSE(server.failed());
  ASSERT_EQ(server.seen.size(), 2u);
  EXPECT_EQ(server.seen[0],
            "MAIL FROM:<from@example.com>\r\nRCPT TO:<a@example.com>\r\nRCPT "
            "TO:<b@example.com>\r\n");
  EXPECT_EQ(server.seen[1], "RSET\r\n");
}

TEST(PipeliningScripted, LostBeforeTheMailReplyIsNotStarted) {
  ScriptedServer server([](ScriptedServer& s) {
    Hello(s);
    s.ReadUntil("DATA\r\n");
    s.Close();
  });
  SmtpStepResult r = SendOneAfterHello(server);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_EQ(r.reply.code, 0);
  EXPECT_FALSE(r.message_started);  // the sender sends it again, once
  EXPECT_FALSE(r.outcome_unknown);
}

TEST(PipeliningScripted, LostAfterMailAcceptedIsStartedButNotUnknown) {
  ScriptedServer server([](ScriptedServer& s) {
    Hello(s);
    s.ReadUntil("DATA\r\n");
    s.Send("250 2.1.0 Sender OK\r\n250 2.1.5 OK\r\n");
    s.Close();
  });
  SmtpStepResult r = SendOneAfterHello(server);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.connection_lost);
  EXPECT_EQ(r.reply.code, 0);
  EXPECT_TRUE(r.message_started);
  EXPECT_FALSE(r.outcome_unknown);  // no body was sent
}

TEST(PipeliningScripted, ARefusedMailWithTheConnectionLostAfterItKeepsTheRefusal) {
  ScriptedServer server([](ScriptedServer& s) {
    Hello(s);
    s.ReadUntil("DATA\r\n");
    s.Send("550 5.7.60 not allowed\r\n");
    s.Close();
  });
  SmtpStepResult r = SendOneAfterHello(server);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reply.code, 550);  // rejected, not resent
  EXPECT_TRUE(r.connection_lost);
}

}  // namespace
}  // namespace m365::testing
