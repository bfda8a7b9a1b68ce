// The fault matrix, SMTP side (docs/delivery.md): each fault of the emulator's SMTP
// server, the per-message outcome a host sees, and the invariants of
// delivery_invariants.hpp after the fault and after it is lifted.
// delivery_faults_test.cpp holds the first cases of part B; these add the
// ledger, the recovery and the faults it does not cover.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fault_matrix_fixture.hpp"
#include "net/tls_context.hpp"
#include "smtp/smtp_connection.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;

class SmtpFaultTest : public FaultMatrixTest {
 protected:
  void SetFault(void (*set)(m365emu::Faults&)) {
    m365emu::Faults faults;
    set(faults);
    emulator_->SetFaults(faults);
  }

  // A server silent at one step: the batch `name` costs one timeout and one
  // pause, and is delivered on a second connection once the fault is lifted
  // (here: while the sender pauses).
  void ExpectOneTimeoutThenDelivered(const std::string& name) {
    LiftFaultsAtFirstPause();
    auto start = WallClock::now();
    auto results = Deliver(DeliveryLedger::Batch(name, 3));
    milliseconds elapsed = Since(start);
    ExpectAll(results, DeliveryStatus::kDelivered);
    EXPECT_GE(elapsed, kTimeout - milliseconds(100)) << "the timeout was not waited for";
    EXPECT_LT(elapsed, kTimeout + kSlack);
    ExpectBackoffPauses(1);
    EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
  }
};

TEST_F(SmtpFaultTest, ServiceNotAvailableAtGreetingIsPacedThenRetryLater) {
  SetFault([](m365emu::Faults& f) { f.smtp_421_at_greeting = true; });
  auto results = Deliver(DeliveryLedger::Batch("421", 4));
  ExpectAll(results, DeliveryStatus::kRetryLater);
  for (const auto& r : results) {
    EXPECT_EQ(r.code, 421) << r.detail;
    EXPECT_EQ(r.enhanced, "4.3.2");
    EXPECT_EQ(r.retry_after_s, 60);
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_connections, 4u) << "a first try and three paced retries, no more";
  EXPECT_EQ(stats.auth_attempts, 0u);
  ExpectBackoffPauses(3);  // paced, not hammered
  LiftAndExpectRecovery();
}

// docs/delivery.md, How long one Deliver call can take: once the call's
// deadline has passed (here the senders' clock jumps an hour at the first
// pause, while the server recovers), no connection and no message starts;
// what was not sent is retry_later with the last failure, and the next call
// delivers it. The deadline runs on the sender's clock: nothing is waited for.
TEST_F(SmtpFaultTest, NothingStartsAfterTheCallsDeadline) {
  SetFault([](m365emu::Faults& f) { f.smtp_421_at_greeting = true; });
  clock_.AtPause(1, [this] {
    clock_.Advance(std::chrono::hours(1));
    emulator_->SetFaults({});
  });
  auto start = WallClock::now();
  auto results = Deliver(DeliveryLedger::Batch("deadline", 25));  // 3 chunks
  EXPECT_LT(Since(start), kSlack);
  ExpectAll(results, DeliveryStatus::kRetryLater, "not sent within this Deliver call's deadline");
  for (const auto& r : results) {
    EXPECT_NE(r.detail.find("421"), std::string::npos) << r.detail;
    EXPECT_EQ(r.code, 0) << r.detail;
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(emulator_->received().size(), 0u);
  // A connection opened before the jump may finish its login, but sends nothing.
  EXPECT_LE(stats.smtp_connections, 3u) << "a connection started after the deadline";
  EXPECT_LE(clock_.pauses().size(), 3u);
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, NoStartTlsMeansNoTokenAndNoAuth) {
  SetFault([](m365emu::Faults& f) { f.smtp_no_starttls = true; });
  auto results = Deliver(DeliveryLedger::Batch("notls", 3));
  ExpectAll(results, DeliveryStatus::kRetryLater, "STARTTLS");
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.auth_attempts, 0u);
  EXPECT_EQ(stats.token_requests, 0u) << "no token is even fetched for a server without TLS";
  EXPECT_EQ(stats.starttls_count, 0u);
  LiftAndExpectRecovery();
}

struct CertCase {
  const char* name;
  m365emu::CertFault fault;
};

class SmtpCertificateFaultTest : public SmtpFaultTest,
                                 public ::testing::WithParamInterface<CertCase> {};

TEST_P(SmtpCertificateFaultTest, RefusedCertificateGetsNoAuth) {
  m365emu::Faults faults;
  faults.smtp_certificate = GetParam().fault;
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch(GetParam().name, 3));
  ExpectAll(results, DeliveryStatus::kRetryLater, "certificate");
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_connections, 1u) << "not retried within the batch";
  EXPECT_EQ(stats.auth_attempts, 0u) << "no AUTH over a connection with a refused certificate";
  EXPECT_EQ(stats.token_requests, 0u);
  LiftAndExpectRecovery();
}

INSTANTIATE_TEST_SUITE_P(Certificates, SmtpCertificateFaultTest,
                         ::testing::Values(CertCase{"wrong_name", m365emu::CertFault::kWrongName},
                                           CertCase{"expired", m365emu::CertFault::kExpired},
                                           CertCase{"untrusted_ca",
                                                    m365emu::CertFault::kUntrustedCa}),
                         [](const auto& info) { return std::string(info.param.name); });

// A server that stops answering costs one timeout and one pause; once it
// answers again the same batch is delivered.
TEST_F(SmtpFaultTest, SilentAfterConnectCostsOneTimeout) {
  SetFault([](m365emu::Faults& f) { f.smtp_silent_after_connect = true; });
  ExpectOneTimeoutThenDelivered("silent-connect");
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, SilentAfterEhloCostsOneTimeout) {
  SetFault([](m365emu::Faults& f) { f.smtp_silent_after_ehlo = true; });
  ExpectOneTimeoutThenDelivered("silent-ehlo");
  EXPECT_EQ(emulator_->stats().auth_attempts, 1u);
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, SilentAfterDataIsOutcomeUnknownWithinTheTimeout) {
  SetFault([](m365emu::Faults& f) { f.smtp_silent_after_data = true; });
  auto start = WallClock::now();
  auto results = Deliver(DeliveryLedger::Batch("silent-data", 1));
  milliseconds elapsed = Since(start);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(IsOutcomeUnknown(results[0])) << results[0].detail;
  EXPECT_LT(elapsed, kTimeout + kSlack);
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, DropAfterEveryTwoMessagesReconnectsAndLosesNothing) {
  SetFault([](m365emu::Faults& f) { f.smtp_drop_after_messages = 2; });
  auto results = Deliver(DeliveryLedger::Batch("drop2", 7));
  ExpectAll(results, DeliveryStatus::kDelivered);
  EXPECT_EQ(emulator_->stats().smtp_connections, 4u);  // 2 + 2 + 2 + 1
  ledger_.ExpectSpoolConsistent(*emulator_);
  LiftAndExpectRecovery();
}

// The server hangs up after the first line of DATA. A small message is
// then already all in the socket buffers, so the client cannot tell this from
// a loss after the end of DATA ("outcome unknown"); a large one fails while
// being sent ("not sent"). Either way: retry later, nothing in the spool.
TEST_F(SmtpFaultTest, DropMidDataIsRetryLater) {
  SetFault([](m365emu::Faults& f) { f.smtp_drop_mid_data = true; });
  auto batch = DeliveryLedger::Batch("mid-data", 2);
  batch[1].attachments = {{"big.bin", "application/octet-stream", std::string(12 << 20, 'x')}};
  auto results = Deliver(batch);
  ExpectAll(results, DeliveryStatus::kRetryLater);
  EXPECT_TRUE(results[0].detail.find("outcome unknown") != std::string::npos ||
              results[0].detail.find("not sent") != std::string::npos)
      << results[0].detail;
  EXPECT_NE(results[1].detail.find("not sent"), std::string::npos) << results[1].detail;
  EXPECT_EQ(emulator_->received().size(), 0u);
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, DropAfterDataBeforeTheReplyIsOutcomeUnknown) {
  SetFault([](m365emu::Faults& f) { f.smtp_drop_after_data = true; });
  auto results = Deliver(DeliveryLedger::Batch("after-data", 2));
  ExpectAll(results, DeliveryStatus::kRetryLater, "outcome unknown");
  LiftAndExpectRecovery();
}

// Another program holds all three sender threads of the mailbox: the fourth
// AUTH gets 432 4.3.2 from Exchange.
TEST_F(SmtpFaultTest, TooManyConnectionsForTheMailboxIsRetryLater) {
  auto tls = MakeClientTlsContext(emulator_->ca_file());
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  std::vector<std::unique_ptr<SmtpConnection>> others;
  for (int i = 0; i < 3; ++i) {
    others.push_back(std::make_unique<SmtpConnection>(SmtpEndpoint{
        "localhost", emulator_->smtp_port(), std::chrono::seconds(kTimeoutS), tls.value()}));
    SmtpConnection& c = *others.back();
    ASSERT_TRUE(c.Connect().ok && c.Ehlo().ok && c.StartTls().ok);
    ASSERT_TRUE(c.AuthXoauth2(m365emu::kDemoMailbox, emulator_->MintToken()).ok);
  }
  auto results = Deliver(DeliveryLedger::Batch("busy", 3));
  ExpectAll(results, DeliveryStatus::kRetryLater);
  for (const auto& r : results) {
    EXPECT_EQ(r.code, 432) << r.detail;
    EXPECT_EQ(r.enhanced, "4.3.2");
    EXPECT_GT(r.retry_after_s, 0);
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_reply_counts["432 4.3.2"], 4u) << "a first try and three retries";
  ExpectBackoffPauses(3);  // paced
  EXPECT_EQ(emulator_->received().size(), 0u);
  for (auto& c : others) (void)c->Quit();
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, RateLimitDelaysAreWaitedOutNotRetried) {
  m365emu::Config config = m365emu::DemoConfig();
  config.limits.messages_per_minute = 4;  // per 100 ms window here
  StartEmulator(config);
  auto results = Deliver(DeliveryLedger::Batch("paced", 12));
  ExpectAll(results, DeliveryStatus::kDelivered);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_GT(stats.messages_delayed, 0u) << "the fault did not bite";
  EXPECT_EQ(stats.smtp_connections, 2u) << "held-back replies are not errors";
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, SlowRepliesWithinTheTimeoutDeliverOnce) {
  SetFault([](m365emu::Faults& f) { f.smtp_reply_delay_ms = 300; });
  auto results = Deliver(DeliveryLedger::Batch("slow", 2));
  ExpectAll(results, DeliveryStatus::kDelivered);
  EXPECT_EQ(emulator_->stats().smtp_connections, 1u);
  LiftAndExpectRecovery();
}

TEST_F(SmtpFaultTest, RecipientRepliesDecideEachMessageAllOrNothing) {
  m365emu::Faults faults;
  faults.smtp_rcpt_replies["gone@contoso.com"] =
      "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup";
  faults.smtp_rcpt_replies["full@contoso.com"] = "452 4.2.2 Mailbox full";
  emulator_->SetFaults(faults);
  auto batch = DeliveryLedger::Batch("rcpt", 5);
  batch[1].to = {"gone@contoso.com"};
  batch[2].to = {"ok@contoso.com", "gone@contoso.com"};  // one bad recipient: nobody gets it
  batch[3].cc = {"full@contoso.com"};
  auto results = Deliver(batch);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRejected);
  EXPECT_EQ(results[1].enhanced, "5.1.10");
  EXPECT_EQ(results[2].status, DeliveryStatus::kRejected);
  EXPECT_EQ(results[2].code, 550);
  EXPECT_EQ(results[3].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(results[3].code, 452);
  EXPECT_EQ(results[4].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(emulator_->received().size(), 2u);
  EXPECT_EQ(emulator_->stats().smtp_connections, 1u);
  ledger_.ExpectSpoolConsistent(*emulator_);
  LiftAndExpectRecovery();  // the 452 one goes through now; the 550s stay rejected
}

TEST_F(SmtpFaultTest, SmtpHostThatDoesNotResolveIsRetryLaterQuickly) {
  notify::Settings settings = FaultSettings();
  settings["smtp_host"] = "no-such-host.invalid";
  auto start = WallClock::now();
  auto results = Deliver(DeliveryLedger::Batch("nxdomain", 2), settings);
  ExpectAll(results, DeliveryStatus::kRetryLater, "no-such-host.invalid");
  // Four resolution attempts, each bounded by the timeout, paced by pauses
  // that the test's clock records instead of spending.
  EXPECT_LT(Since(start), 4 * kTimeout + kSlack);
  ExpectBackoffPauses(3);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_connections, 0u);
  EXPECT_EQ(stats.token_requests, 0u);
  LiftAndExpectRecovery();
}

}  // namespace
}  // namespace m365::testing
