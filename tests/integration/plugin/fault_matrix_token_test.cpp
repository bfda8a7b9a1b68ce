// The fault matrix, token side and Save's deadlines (issue 5): each fault of
// the emulator's token endpoint as delivery meets it, a token expiring in the
// middle of a batch, and Save against a server that stops answering at each
// step (every step within timeout + 1 s, the whole Save within its bound).
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "fault_matrix_fixture.hpp"
#include "notify/sdk/testing/conformance.hpp"

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
// it too, asking Entra ID again only once it has passed.
TEST_F(TokenFaultTest, ThrottlingIsRetryLaterAndRetryAfterIsHonoured) {
  m365emu::Faults faults;
  faults.token_http_429_retry_after = 3;
  emulator_->SetFaults(faults);
  M365Channel channel(host_);
  notify::OpenResult opened = channel.Open(FaultSettings());
  ASSERT_NE(opened.sender, nullptr);
  auto results = DeliverWith(*opened.sender, DeliveryLedger::Batch("t429", 3));
  auto throttled_at = Clock::now();
  ExpectAll(results, DeliveryStatus::kRetryLater);
  for (const auto& r : results) EXPECT_EQ(r.retry_after_s, 3) << r.detail;
  ExpectNoLogin();
  emulator_->SetFaults({});
  // Within Retry-After no new request, even with the fault gone.
  results = DeliverWith(*opened.sender, DeliveryLedger::Batch("t429-early", 1));
  ASSERT_LT(Since(throttled_at), milliseconds(3000)) << "too slow to test the window";
  ExpectAll(results, DeliveryStatus::kRetryLater);
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
  std::this_thread::sleep_for(milliseconds(3100) - Since(throttled_at));
  ExpectAll(DeliverWith(*opened.sender, ledger_.Pending()), DeliveryStatus::kDelivered);
  EXPECT_EQ(emulator_->stats().token_requests, 2u);
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
  m365emu::Faults faults;
  faults.token_delay_ms = 7000;
  faults.token_fault_count = 1;
  emulator_->SetFaults(faults);
  auto start = Clock::now();
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
  int closed_port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    closed_port = probe.address().port();
  }  // closed again: nothing listens there now
  notify::Settings settings = FaultSettings();
  settings["authority_url"] = "https://localhost:" + std::to_string(closed_port);
  auto start = Clock::now();
  auto results = Deliver(DeliveryLedger::Batch("trefused", 2), settings);
  ExpectAll(results, DeliveryStatus::kRetryLater, "refused");
  EXPECT_LT(Since(start), kTimeout + kSlack);
  ExpectNoLogin();
  LiftAndExpectRecovery();  // the right authority again
}

// Tokens of 2 s are refreshed when less than 1 s is left; a batch of about
// 2.5 s needs a second one half-way, and Exchange never sees an expired one.
TEST_F(TokenFaultTest, TokenExpiringMidBatchIsReplacedBeforeUse) {
  m365emu::Config config = m365emu::DemoConfig();
  config.token_lifetime_seconds = 2;
  StartEmulator(config);
  m365emu::Faults faults;
  faults.smtp_reply_delay_ms = 25;  // about 1.3 s per connection of 10 messages
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
// fails within timeout + 1 s, the later steps are skipped, and the whole Save
// ends within the timeout plus the fast loopback steps before it.
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
  auto start = Clock::now();
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
      EXPECT_GE(step.elapsed_ms, (kTimeout - milliseconds(100)).count());
      EXPECT_FALSE(step.remedy.empty());
    } else {
      EXPECT_EQ(step.outcome, seen ? notify::StepOutcome::kSkipped : notify::StepOutcome::kPassed)
          << step.name;
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_LT(elapsed, kTimeout + 2 * kSlack);
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
