// The channel as the host sees it: the SDK's conformance kit, info, and
// that offline validation and Open never touch the network.
#include "channel/m365_channel.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "notify/sdk/testing/conformance.hpp"
#include "notify/test_support/refusing_port.hpp"
#include "settings/m365_config.hpp"

namespace {

// A loopback port that refuses connections, for the whole test program.
int RefusedPort() {
  static notify::test_support::RefusingPort port;
  return port.port();
}

// The clock of the channels made here: the senders' pauses between
// connection attempts pass at once.
m365::ManualClock& TestClock() {
  static m365::ManualClock clock;
  return clock;
}

// Valid settings whose token endpoint and SMTP server refuse connections:
// any live attempt fails fast instead of reaching Microsoft.
notify::Settings ValidSettings() {
  return {{"server_name", "Conformance"},
          {"from_email", "notify@contoso.onmicrosoft.com"},
          {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
          {"client_secret", "Xq8~Conformance.Secret_Value-123456789"},
          {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"},
          {"smtp_host", "localhost"},
          {"port", std::to_string(RefusedPort())},
          {"timeout", "5"},
          {"authority_url", "https://localhost:" + std::to_string(RefusedPort())}};
}

// Valid settings with the SMTP route set, so that no token is needed to decide it.
notify::Settings SmtpRouteSettings() {
  auto settings = ValidSettings();
  settings["transport"] = "smtp";
  return settings;
}

// One message to one recipient.
notify::Message DiskFull() {
  notify::Message m;
  m.id = "n1";
  m.to = {"ops@contoso.com"};
  m.subject = "disk full";
  m.text_body = "db-01";
  return m;
}

NOTIFY_CHANNEL_CONFORMANCE_TESTS(
    M365ChannelConformance,
    [](notify::HostContext& host) {
      return std::make_unique<m365::M365Channel>(host, TestClock());
    },
    ValidSettings)

TEST(M365ChannelTest, InfoNamesTheContractId) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host, TestClock());
  auto info = channel.Info();
  EXPECT_EQ(info.id, "m365_oauth_smtp");
  EXPECT_EQ(info.display_name, "Microsoft 365 (OAuth2)");
  EXPECT_EQ(channel.Fields().size(), m365::M365Fields().size());
  EXPECT_EQ(channel.Fields().size(), 21u);
}

TEST(M365ChannelTest, FieldErrorsStopBeforeAnyLiveCheck) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host, TestClock());
  auto s = ValidSettings();
  s["client_secret"] = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";  // a secret ID
  auto report = channel.Validate(s, {notify::ValidationMode::kOnline, ""});
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.steps.empty());
}

// The SDK's ChannelBase runs the generic checks; the channel adds only its
// semantic ones, so no problem is reported twice.
TEST(M365ChannelTest, EachProblemIsReportedOnce) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host, TestClock());
  auto s = ValidSettings();
  s.erase("client_id");
  s["port"] = "0";
  s["tenant_id"] = "common";
  auto report = channel.Validate(s, {notify::ValidationMode::kOffline, ""});
  for (const char* field : {"client_id", "port", "tenant_id"}) {
    int count = 0;
    for (const auto& issue : report.issues) count += issue.field == field ? 1 : 0;
    EXPECT_EQ(count, 1) << field << "\n" << notify::sdk::testing::ReportText(report);
  }
  EXPECT_EQ(report.issues.size(), m365::CheckM365Settings(s).size());
}

TEST(M365ChannelTest, OnlineChecksStopAtTheFirstFailureAndSkipTheRest) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host, TestClock());
  auto report = channel.Validate(ValidSettings(), {notify::ValidationMode::kOnline, "a@b.com"});
  ASSERT_EQ(report.steps.size(), 8u) << notify::sdk::testing::ReportText(report);
  EXPECT_EQ(report.steps[0].name, "token");
  EXPECT_EQ(report.steps[0].outcome, notify::StepOutcome::kFailed);
  EXPECT_FALSE(report.steps[0].remedy.empty());
  for (std::size_t i = 1; i < report.steps.size(); ++i) {
    EXPECT_EQ(report.steps[i].outcome, notify::StepOutcome::kSkipped) << report.steps[i].name;
  }
  EXPECT_EQ(report.steps.back().name, "test_message");
  auto text = notify::sdk::testing::ReportText(report) + host.AllText();
  EXPECT_EQ(text.find("Xq8~Conformance.Secret_Value"), std::string::npos);
}

TEST(M365ChannelTest, UnreachableServerIsPacedThenLeftForLater) {
  notify::sdk::testing::FakeHostContext host;
  m365::ManualClock clock;
  m365::M365Channel channel(host, clock);
  // The unreachable SMTP server is what is paced.
  auto opened = channel.Open(SmtpRouteSettings());
  ASSERT_NE(opened.sender, nullptr) << notify::sdk::testing::ReportText(opened.report);
  auto results = opened.sender->Deliver({DiskFull()});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, notify::DeliveryStatus::kRetryLater) << results[0].detail;
  EXPECT_NE(results[0].detail.find("refused"), std::string::npos) << results[0].detail;
  // Four attempts, paced 1 s, 2 s and 4 s apart (each with up to 20 % jitter).
  auto pauses = clock.pauses();
  ASSERT_EQ(pauses.size(), 3u);
  for (std::size_t i = 0; i < pauses.size(); ++i) {
    std::chrono::milliseconds base(1000 << i);
    EXPECT_GE(pauses[i], base);
    EXPECT_LE(pauses[i], base + base / 5);
  }
}

// An operator with several servers tells their lines apart by the prefix
// (docs/delivery.md, What the channel logs): the checks, the sender's opening
// and its delivery all carry it.
TEST(M365ChannelTest, EveryLogLineNamesTheServer) {
  notify::sdk::testing::FakeHostContext host;
  m365::ManualClock clock;
  m365::M365Channel channel(host, clock);
  const auto settings = SmtpRouteSettings();
  channel.Validate(settings, {notify::ValidationMode::kOnline, "a@b.com"});
  auto opened = channel.Open(settings);
  ASSERT_NE(opened.sender, nullptr) << notify::sdk::testing::ReportText(opened.report);
  opened.sender->Deliver({DiskFull()});
  const auto lines = host.lines();
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(line.text.rfind("m365_oauth_smtp [Conformance] ", 0), 0u) << line.text;
  }
  EXPECT_NE(host.AllText().find("m365_oauth_smtp [Conformance] check token failed"),
            std::string::npos)
      << host.AllText();
  EXPECT_NE(host.AllText().find("m365_oauth_smtp [Conformance] sender opened"), std::string::npos)
      << host.AllText();
}

}  // namespace
