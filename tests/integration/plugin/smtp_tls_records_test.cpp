// How replies are cut into TLS records and TCP segments must not change what
// the plugin reads (docs/delivery.md, Connections kept between calls).
// OpenSSL may take more from the socket than the record it returns
// (read-ahead), so bytes can wait inside the TLS layer while the socket
// itself has nothing to read:
// a reader that asked the socket first would stall on the second of two
// pipelined replies, and a kept connection would look quiet while a 421 waits.
// A small implicit-TLS server with the emulator's certificate sends several
// records in one segment (TCP_CORK) to make that case certain.
#include <Poco/File.h>
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

const std::string kMime = "Subject: x\r\n\r\nbody\r\n";

class SmtpTlsRecordsTest : public DeliveryTest {
 protected:
  ScriptedServer::Script Greeted(ScriptedServer::Script rest) {
    return [rest](ScriptedServer& s) {
      s.Send("220 records.example ESMTP\r\n");
      s.ReadUntil("\r\n");  // EHLO
      s.Send("250-records.example\r\n250 PIPELINING\r\n");
      rest(s);
    };
  }

  std::unique_ptr<ScriptedServer> Serve(ScriptedServer::Script script) {
    std::string cert = emulator_->state_dir() + "/tls/localhost.pem";
    std::string key = emulator_->state_dir() + "/tls/localhost.key";
    EXPECT_TRUE(Poco::File(cert).exists()) << "emulator TLS material not found: " << cert;
    return std::make_unique<ScriptedServer>(cert, key, Greeted(std::move(script)));
  }

  // Connected over implicit TLS to `server`, EHLO done.
  std::unique_ptr<SmtpConnection> Connect(const ScriptedServer& server) {
    auto tls = MakeClientTlsContext(emulator_->ca_file());
    EXPECT_TRUE(tls.ok()) << tls.status().message();
    SmtpEndpoint endpoint{"localhost", server.port(), std::chrono::seconds(5),
                          tls.ok() ? tls.value() : nullptr};
    endpoint.implicit_tls_port = server.port();
    auto c = std::make_unique<SmtpConnection>(endpoint);
    SmtpStepResult r = c->Connect();
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(c->IsTls());
    r = c->Ehlo();
    EXPECT_TRUE(r.ok) << r.error;
    return c;
  }
};

TEST_F(SmtpTlsRecordsTest, PipelinedRepliesInOneSegmentAreReadWithoutWaiting) {
  auto server = Serve([](ScriptedServer& s) {
    s.ReadUntil("DATA\r\n");
    // Three records, one segment: after the first reply the socket is
    // empty and the other two wait inside the TLS layer.
    s.SendInOneSegment({"250 2.1.0 Sender OK\r\n", "250 2.1.5 Recipient OK\r\n",
                        "354 Start mail input; end with <CRLF>.<CRLF>\r\n"});
    s.ReadUntil("\r\n.\r\n");
    s.Send("250 2.0.0 OK queued\r\n");
    s.ReadUntil("QUIT\r\n");
    s.Send("221 2.0.0 Bye\r\n");
  });
  auto c = Connect(*server);
  ASSERT_TRUE(c->OffersPipelining());
  // A reader that waited on the socket for the second reply would wait
  // out the step's timeout: the message would fail as timed out.
  SmtpStepResult r = c->SendMail("from@example.com", {"to@example.com"}, kMime);
  EXPECT_TRUE(r.ok) << r.error << r.reply.ToString();
  EXPECT_EQ(r.reply.code, 250);
  EXPECT_EQ(c->Quit().reply.code, 221);
  server->Join();
  EXPECT_FALSE(server->failed());
}

TEST_F(SmtpTlsRecordsTest, A421ThatCameWithTheLastReplyMakesTheConnectionNotQuiet) {
  auto server = Serve([](ScriptedServer& s) {
    s.ReadUntil("RSET\r\n");
    s.SendInOneSegment(
        {"250 2.0.0 Resetting\r\n",
         "421 4.4.1 Connection timed out. Total session duration exceeded idle limit\r\n"});
    s.WaitForClientClose();  // no FIN: only the 421 says the connection is over
  });
  auto c = Connect(*server);
  EXPECT_TRUE(c->IsQuiet());
  ASSERT_TRUE(c->Reset().ok);
  // The 421 is already on this side, read from the socket with the 250 or
  // still in it; a kept connection must not be taken back in this state.
  EXPECT_FALSE(c->IsQuiet());
  c.reset();
  server->Join();
  EXPECT_FALSE(server->failed());
}

}  // namespace
}  // namespace m365::testing
