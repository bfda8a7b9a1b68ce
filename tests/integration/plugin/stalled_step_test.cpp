// A server that goes silent is reported at the step where it went silent,
// with a remedy for that step (docs/delivery.md, How long one Deliver call
// can take): at Save, each live check's failure names the SMTP step and
// says what to look at; in delivery, the log names the step and a silent
// TLS handshake is a stall like any other, tried again after a pause.
#include <gtest/gtest.h>

#include <string>

#include "channel/m365_channel.hpp"
#include "fault_matrix_fixture.hpp"
#include "notify/sdk/testing/conformance.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;

struct StallCase {
  const char* name;
  void (*set)(m365emu::Faults&);
  const char* failing_check;  // the live check that waits for the silent server
  const char* detail;         // what its detail names: the SMTP step that stalled
  const char* remedy;         // a part of the remedy that fits that step
  const char* not_remedy;     // a remedy for another step, which must not be given
};

class StalledStepTest : public FaultMatrixTest, public ::testing::WithParamInterface<StallCase> {};

TEST_P(StalledStepTest, SaveNamesTheStepThatStalledAndARemedyForIt) {
  m365emu::Faults faults;
  GetParam().set(faults);
  emulator_->SetFaults(faults);
  M365Channel channel(host_);
  notify::ValidationReport report =
      channel.Validate(FaultSettings(), {notify::ValidationMode::kOnline, "admin@contoso.com"});
  SCOPED_TRACE(notify::sdk::testing::ReportText(report));
  EXPECT_FALSE(report.ok());
  bool seen = false;
  for (const auto& step : report.steps) {
    if (step.name != GetParam().failing_check) continue;
    seen = true;
    EXPECT_EQ(step.outcome, notify::StepOutcome::kFailed);
    EXPECT_NE(step.detail.find(GetParam().detail), std::string::npos) << step.detail;
    EXPECT_NE(step.remedy.find(GetParam().remedy), std::string::npos) << step.remedy;
    EXPECT_EQ(step.remedy.find(GetParam().not_remedy), std::string::npos) << step.remedy;
  }
  EXPECT_TRUE(seen) << "no " << GetParam().failing_check << " step";
  EXPECT_EQ(emulator_->received().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Steps, StalledStepTest,
    ::testing::Values(
        StallCase{"greeting", [](m365emu::Faults& f) { f.smtp_silent_after_connect = true; },
                  "connect", "greeting: timed out", "sent no greeting (220)", "TLS session"},
        StallCase{"ehlo", [](m365emu::Faults& f) { f.smtp_silent_after_ehlo = true; }, "starttls",
                  "EHLO: timed out", "stopped answering after its greeting (EHLO)", "TLS session"},
        StallCase{"starttls", [](m365emu::Faults& f) { f.smtp_silent_at_starttls = true; }, "tls",
                  "STARTTLS: timed out", "did not answer STARTTLS", "EHLO"},
        StallCase{"tls_handshake",
                  [](m365emu::Faults& f) { f.smtp_silent_in_tls_handshake = true; }, "tls",
                  "TLS handshake: timed out", "The TLS session with", "EHLO"},
        StallCase{"auth", [](m365emu::Faults& f) { f.smtp_silent_at_auth = true; }, "auth",
                  "AUTH XOAUTH2: timed out", "did not answer the login (AUTH XOAUTH2)",
                  "TLS session"},
        StallCase{"mail", [](m365emu::Faults& f) { f.smtp_silent_at_mail = true; }, "test_message",
                  "MAIL FROM: timed out", "", "TLS session"}),
    [](const auto& info) { return std::string(info.param.name); });

// In delivery a silent TLS handshake is named in the log and, like any
// stall, tried again after a pause rather than giving the batch up.
TEST_F(FaultMatrixTest, ASilentTlsHandshakeIsLoggedAsSuchAndTriedAgain) {
  m365emu::Faults faults;
  faults.smtp_silent_in_tls_handshake = true;
  emulator_->SetFaults(faults);
  LiftFaultsAtFirstPause();
  auto results = Deliver(DeliveryLedger::Batch("silent-handshake", 3));
  ExpectAll(results, DeliveryStatus::kDelivered);
  std::string log = host_.AllText();
  EXPECT_NE(log.find("connection 1 to localhost:" + std::to_string(emulator_->smtp_port()) +
                     " failed: TLS handshake: timed out"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("EHLO: timed out"), std::string::npos) << log;
  LiftAndExpectRecovery();
}

TEST_F(FaultMatrixTest, ASilentAuthIsLoggedAsSuchAndTriedAgain) {
  m365emu::Faults faults;
  faults.smtp_silent_at_auth = true;
  emulator_->SetFaults(faults);
  LiftFaultsAtFirstPause();
  auto results = Deliver(DeliveryLedger::Batch("silent-auth", 3));
  ExpectAll(results, DeliveryStatus::kDelivered);
  std::string log = host_.AllText();
  EXPECT_NE(log.find("failed: AUTH XOAUTH2: timed out"), std::string::npos) << log;
  LiftAndExpectRecovery();
}

}  // namespace
}  // namespace m365::testing
