// The channel as the host sees it: the SDK's conformance kit, info, and
// that offline validation and Open never touch the network.
#include "m365_channel.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "notify/sdk/testing/conformance.hpp"

namespace {

// Valid settings whose hosts are closed local ports: any live attempt fails
// fast instead of reaching Microsoft.
notify::Settings ValidSettings() {
  return {{"server_name", "Conformance"},
          {"from_email", "notify@contoso.onmicrosoft.com"},
          {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
          {"client_secret", "Xq8~Conformance.Secret_Value-123456789"},
          {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"},
          {"smtp_host", "localhost"},
          {"port", "1"},
          {"timeout", "5"},
          {"authority_url", "https://localhost:1"}};
}

NOTIFY_CHANNEL_CONFORMANCE_TESTS(
    M365ChannelConformance,
    [](notify::HostContext& host) { return std::make_unique<m365::M365Channel>(host); },
    ValidSettings)

TEST(M365ChannelTest, InfoNamesTheContractId) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host);
  auto info = channel.Info();
  EXPECT_EQ(info.id, "m365_oauth_smtp");
  EXPECT_EQ(info.display_name, "Microsoft 365 (OAuth2)");
  EXPECT_EQ(channel.Fields().size(), 13u);
}

TEST(M365ChannelTest, FieldErrorsStopBeforeAnyLiveCheck) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host);
  auto s = ValidSettings();
  s["client_secret"] = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";  // a secret ID
  auto report = channel.Validate(s, {notify::ValidationMode::kOnline, ""});
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.steps.empty());
}

TEST(M365ChannelTest, OnlineChecksStopAtTheFirstFailureAndSkipTheRest) {
  notify::sdk::testing::FakeHostContext host;
  m365::M365Channel channel(host);
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

}  // namespace
