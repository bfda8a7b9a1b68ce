// The Microsoft Graph route feeds the sender's health as the SMTP route does
// (docs/delivery.md, Health): a 401 or 403 that a new token does not change
// turns it failing with Graph's answer as the cause and the fix as the
// remedy, once per cause in the log; a message delivered later clears it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "graph_fixture.hpp"
#include "notify/host_api/health.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;
using notify::HealthState;

class GraphHealthTest : public GraphTest {
 protected:
  // A sender on the Graph route set, kept by the test.
  notify::OpenResult OpenGraph() {
    notify::Settings s = GraphSettings();
    s["transport"] = "graph";
    M365Channel channel(host_, clock_);
    return channel.Open(s);
  }

  int HealthErrorLines() const {
    int n = 0;
    for (const auto& line : host_.lines()) {
      n += line.level == notify::LogLevel::kError &&
           line.text.find("health: failing") != std::string::npos;
    }
    return n;
  }
};

TEST_F(GraphHealthTest, MailSendMissingAfterTheRefreshTurnsTheHealthFailingWithTheGrant) {
  StartEmulator(GraphRoles({}));  // the app lost Mail.Send
  auto opened = OpenGraph();
  ASSERT_NE(opened.sender, nullptr);
  auto results = DeliverWith(*opened.sender, DeliveryLedger::Batch("n", 1));
  ExpectAll(results, DeliveryStatus::kRejected, "403");
  // One request, one refresh, the same 403 again: then the batch is given up.
  EXPECT_EQ(GraphStatusCount(403), 2);
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_NE(health.cause.find("HTTP 403"), std::string::npos) << health.cause;
  EXPECT_NE(health.remedy.find("Mail.Send"), std::string::npos) << health.remedy;
  EXPECT_NE(health.remedy.find("Grant admin consent"), std::string::npos) << health.remedy;

  // Asked again: still failing, and the error line is not repeated.
  (void)DeliverWith(*opened.sender, DeliveryLedger::Batch("m", 1));
  EXPECT_EQ(opened.sender->Health().state, HealthState::kFailing);
  EXPECT_EQ(HealthErrorLines(), 1);
}

TEST_F(GraphHealthTest, GrantingMailSendHealsTheSenderThroughItsOneRefresh) {
  StartEmulator(GraphRoles({}));
  auto opened = OpenGraph();
  ASSERT_NE(opened.sender, nullptr);
  (void)DeliverWith(*opened.sender, DeliveryLedger::Batch("n", 1));
  ASSERT_EQ(opened.sender->Health().state, HealthState::kFailing);

  // The administrator grants Mail.Send; the sender's cached token lacks it,
  // so only the refresh after the 403 brings a token that carries it.
  emulator_->SetConfig(GraphRoles({m365emu::kGraphMailSendRole}));
  auto results = DeliverWith(*opened.sender, DeliveryLedger::Batch("g", 1));
  ExpectAll(results, DeliveryStatus::kDelivered);
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kOk) << health.cause;
}

TEST_F(GraphHealthTest, AnAccessPolicyThatExcludesTheMailboxTurnsTheHealthFailing) {
  m365emu::Config config = m365emu::DemoConfig();
  GraphApp(config).application_access_policy = std::vector<std::string>{"someone@contoso.com"};
  StartEmulator(config);
  auto opened = OpenGraph();
  ASSERT_NE(opened.sender, nullptr);
  auto results = DeliverWith(*opened.sender, DeliveryLedger::Batch("p", 2));
  ExpectAll(results, DeliveryStatus::kRejected);
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_NE(health.cause.find("Access to OData is disabled"), std::string::npos) << health.cause;
  EXPECT_NE(health.remedy.find("Test-ApplicationAccessPolicy"), std::string::npos) << health.remedy;

  // The policy now takes the mailbox in: the next batch is delivered and
  // the health is ok again.
  GraphApp(config).application_access_policy = std::vector<std::string>{m365emu::kDemoMailbox};
  emulator_->SetConfig(config);
  ExpectAll(DeliverWith(*opened.sender, DeliveryLedger::Batch("q", 1)), DeliveryStatus::kDelivered);
  EXPECT_EQ(opened.sender->Health().state, HealthState::kOk);
}

TEST_F(GraphHealthTest, ARefusedTokenOnTheGraphRouteTurnsTheHealthFailing) {
  notify::Settings s = GraphSettings();
  s["transport"] = "graph";
  s["client_secret"] = "wrong~secret.value-0000000000000000000";
  M365Channel channel(host_, clock_);
  auto opened = channel.Open(s);
  ASSERT_NE(opened.sender, nullptr);
  (void)DeliverWith(*opened.sender, DeliveryLedger::Batch("t", 1));
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_NE(health.cause.find("AADSTS7000215"), std::string::npos) << health.cause;
}

}  // namespace
}  // namespace m365::testing
