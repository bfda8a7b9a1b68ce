// The fault matrix, token side and Save's deadlines (docs/delivery.md, Tokens): each fault of
// the emulator's token endpoint as delivery meets it, a token expiring in the
// middle of a batch, and Save against a server that stops answering at each
// step (every step within timeout + 1 s, the whole Save within its bound).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fault_matrix_fixture.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/test_support/refusing_port.hpp"
#include "notify/test_support/wait_until.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;

class TokenFaultTest : public FaultMatrixTest {
 protected:
  // No token, so no AUTH and nothing sent; the batch is given up at once.
  void ExpectNoLogin() {
    m365emu::Stats stats = emulator_->stats();
    EXPECT_EQ(stats.auth_attempts, 0u);
    EXPECT_EQ(stats.token_successes, 0u);
    EXPECT_EQ(emulator_->received().size(), 0u);
  }
};

TEST_F(TokenFaultTest, ServerErrorIsRetryLater) {
  m365emu::Faults faults;
  faults.token_http_500 = true;
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch("t500", 3));
  ExpectAll(results, DeliveryStatus::kRetryLater);
  ExpectNoLogin();
  EXPECT_EQ(emulator_->stats().token_requests, 1u) << "one request for the whole batch";
  LiftAndExpectRecovery();
}

// The host is told Retry-After with each result; a sender it keeps honours
// it too, asking Entra ID again only once it has passed. The sender's token
// cache keeps the time of the process, so the test retries as a host would,
// until the retry goes through, and then checks when and with how many
// requests that happened.
TEST_F(TokenFaultTest, ThrottlingIsRetryLaterAndRetryAfterIsHonoured) {
  m365emu::Faults faults;
  faults.token_http_429_retry_after = 3;
  emulator_->SetFaults(faults);
  M365Channel channel(host_, clock_);
  notify::OpenResult opened = channel.Open(FaultSettings());
  ASSERT_NE(opened.sender, nullptr);
  auto start = WallClock::now();  // the Retry-After runs from later than this
  auto results = DeliverWith(*opened.sender, DeliveryLedger::Batch("t429", 3));
  ExpectAll(results, DeliveryStatus::kRetryLater);
  for (const auto& r : results) EXPECT_EQ(r.retry_after_s, 3) << r.detail;
  ExpectNoLogin();
  emulator_->SetFaults({});
  // Even with the fault gone, every retry within Retry-After is answered
  // without a new request, and says how long is left.
  int retries = 0;
  bool delivered = notify::test_support::WaitUntil(
      [&] {
        ++retries;
        auto retried = DeliverWith(*opened.sender, ledger_.Pending());
        for (const auto& r : retried) {
          if (r.status == DeliveryStatus::kDelivered) continue;
          EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << r.detail;
          EXPECT_GE(r.retry_after_s, 1) << r.detail;
          EXPECT_LE(r.retry_after_s, 3) << r.detail;
        }
        return ledger_.Pending().empty();
      },
      milliseconds(3000) + kSlack, milliseconds(250));
  milliseconds delivered_after = Since(start);
  ASSERT_TRUE(delivered) << "not delivered after " << retries << " retries";
  EXPECT_GE(delivered_after, milliseconds(3000)) << "delivered within Retry-After";
  EXPECT_EQ(emulator_->stats().token_requests, 2u) << "asked again within Retry-After";
  LiftAndExpectRecovery();
}

TEST_F(TokenFaultTest, SlowEndpointWithinTheTimeoutDelivers) {
  m365emu::Faults faults;
  faults.token_delay_ms = 1500;
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch("tslow", 2));
  ExpectAll(results, DeliveryStatus::kDelivered);
  LiftAndExpectRecovery();
}

TEST_F(TokenFaultTest, EndpointSlowerThanTheTimeoutIsRetryLaterWithinIt) {
  // An answer that would come a minute late: a delivery that ends well
  // before it was cut by its timeout, whatever the machine's load.
  m365emu::Faults faults;
  faults.token_delay_ms = 60000;
  faults.token_fault_count = 1;
  emulator_->SetFaults(faults);
  auto start = WallClock::now();
  auto results = Deliver(DeliveryLedger::Batch("ttimeout", 2));
  milliseconds elapsed = Since(start);
  ExpectAll(results, DeliveryStatus::kRetryLater, "within 5 s");
  EXPECT_LT(elapsed, kTimeout + kSlack);
  ExpectNoLogin();
  LiftAndExpectRecovery();
}

TEST_F(TokenFaultTest, NonJsonAnswerIsRetryLater) {
  m365emu::Faults faults;
  faults.token_non_json_body = true;
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch("thtml", 2));
  ExpectAll(results, DeliveryStatus::kRetryLater, "not JSON");
  ExpectNoLogin();
  LiftAndExpectRecovery();
}

TEST_F(TokenFaultTest, OversizedAnswerIsRefusedAndRetryLater) {
  m365emu::Faults faults;
  faults.token_oversized_body_bytes = 4 * 1024 * 1024;
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch("tbig", 2));
  ExpectAll(results, DeliveryStatus::kRetryLater, "larger than 64 KiB");
  ExpectNoLogin();
  LiftAndExpectRecovery();
}

TEST_F(TokenFaultTest, ConnectionRefusedIsRetryLater) {
  notify::test_support::RefusingPort refusing;
  notify::Settings settings = FaultSettings();
  settings["authority_url"] = "https://localhost:" + std::to_string(refusing.port());
  auto start = WallClock::now();
  auto results = Deliver(DeliveryLedger::Batch("trefused", 2), settings);
  ExpectAll(results, DeliveryStatus::kRetryLater, "refused");
  EXPECT_LT(Since(start), kTimeout + kSlack);
  ExpectNoLogin();
  LiftAndExpectRecovery();  // the right authority again
}

// Tokens of 4 s are refreshed when less than 2 s is left, and expire at the
// earliest 3 s after they were issued (the emulator counts whole seconds), so
// a token handed out has a second left at least, however slow the machine.
// With every reply held back, a connection of 10 messages takes over 2 s: each
// worker's second connection needs a new token, and Exchange never sees an
// expired one.
TEST_F(TokenFaultTest, TokenExpiringMidBatchIsReplacedBeforeUse) {
  m365emu::Config config = m365emu::DemoConfig();
  config.token_lifetime_seconds = 4;
  StartEmulator(config);
  m365emu::Faults faults;
  faults.smtp_reply_delay_ms = 50;  // 4 replies per message: 2 s per 10 messages
  emulator_->SetFaults(faults);
  auto results = Deliver(DeliveryLedger::Batch("expiring", 60));
  ExpectAll(results, DeliveryStatus::kDelivered);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_GE(stats.token_requests, 2u);
  EXPECT_EQ(stats.auth_successes, 6u);
  EXPECT_EQ(stats.auth_failure_reasons.count("token expired"), 0u);
  ledger_.ExpectSpoolConsistent(*emulator_);
  LiftAndExpectRecovery();
}

// Save against a server that goes silent at `fault`: the step that waits
// fails once its timeout has passed, the later steps are skipped, and the
// whole Save ends, within bounds that leave room for a loaded machine.
struct SilentCase {
  const char* name;
  void (*set)(m365emu::Faults&);
  const char* failing_step;
  bool test_message;
};

class SaveDeadlineTest : public FaultMatrixTest,
                         public ::testing::WithParamInterface<SilentCase> {};

TEST_P(SaveDeadlineTest, SilentServerFailsOneStepWithinTheTimeout) {
  m365emu::Faults faults;
  GetParam().set(faults);
  emulator_->SetFaults(faults);
  M365Channel channel(host_);
  auto start = WallClock::now();
  notify::ValidationReport report = channel.Validate(
      FaultSettings(),
      {notify::ValidationMode::kOnline, GetParam().test_message ? "admin@contoso.com" : ""});
  milliseconds elapsed = Since(start);
  SCOPED_TRACE(notify::sdk::testing::ReportText(report));
  EXPECT_FALSE(report.ok());
  bool seen = false;
  for (const auto& step : report.steps) {
    EXPECT_LE(step.elapsed_ms, (kTimeout + kSlack).count()) << step.name;
    if (step.name == GetParam().failing_step) {
      seen = true;
      EXPECT_EQ(step.outcome, notify::StepOutcome::kFailed);
      EXPECT_GE(step.elapsed_ms, (kTimeout - milliseconds(100)).count()) << "no timeout waited";
      EXPECT_FALSE(step.remedy.empty());
    } else {
      EXPECT_EQ(step.outcome, seen ? notify::StepOutcome::kSkipped : notify::StepOutcome::kPassed)
          << step.name;
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_LT(elapsed, kTimeout + kSlack);
  EXPECT_EQ(emulator_->received().size(), 0u);
  LiftAndExpectRecovery();
}

INSTANTIATE_TEST_SUITE_P(
    Steps, SaveDeadlineTest,
    ::testing::Values(
        SilentCase{"after_connect", [](m365emu::Faults& f) { f.smtp_silent_after_connect = true; },
                   "connect", false},
        SilentCase{"after_ehlo", [](m365emu::Faults& f) { f.smtp_silent_after_ehlo = true; },
                   "starttls", false},
        SilentCase{"after_data", [](m365emu::Faults& f) { f.smtp_silent_after_data = true; },
                   "test_message", true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace m365::testing
