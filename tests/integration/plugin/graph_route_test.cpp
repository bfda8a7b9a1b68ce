// The Microsoft Graph route against the emulator (docs/delivery.md, The
// route; docs/channel-settings.md, Sending route): the guide-way app saves
// and delivers with transport auto, an app with both permissions keeps SMTP,
// one with neither gets the two-route remedy, large messages go as draft +
// upload sessions or are refused before any request, and 1,000 messages keep
// to 4 requests in flight per mailbox with none lost.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "graph/graph_client.hpp"
#include "graph_fixture.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "settings/m365_config.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;
using notify::StepOutcome;

std::vector<std::string> StepNames(const notify::ValidationReport& report) {
  std::vector<std::string> names;
  for (const auto& s : report.steps) names.push_back(s.name);
  return names;
}

const notify::CheckStep* FindStep(const notify::ValidationReport& report, const std::string& n) {
  for (const auto& s : report.steps) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

class GraphRouteTest : public GraphTest {
 protected:
  notify::ValidationReport Save(const notify::Settings& settings, const std::string& test_to = "") {
    M365Channel channel(host_, clock_);
    auto report = channel.Validate(settings, {notify::ValidationMode::kOnline, test_to});
    std::string text = notify::sdk::testing::ReportText(report) + host_.AllText();
    EXPECT_EQ(text.find("eyJ"), std::string::npos) << "a token leaked";
    EXPECT_EQ(text.find(settings.at("client_secret")), std::string::npos) << "the secret leaked";
    return report;
  }
};

TEST_F(GraphRouteTest, TheGuideWayAppSavesWithTransportAutoAndSaysWhy) {
  auto report = Save(GraphSettings());
  EXPECT_TRUE(report.ok()) << notify::sdk::testing::ReportText(report);
  EXPECT_EQ(StepNames(report), (std::vector<std::string>{"token", "claims", "mailbox"}));
  const auto* claims = FindStep(report, "claims");
  ASSERT_NE(claims, nullptr);
  EXPECT_NE(claims->detail.find("route: Microsoft Graph sendMail, because"), std::string::npos)
      << claims->detail;
  EXPECT_NE(claims->detail.find("Mail.Send"), std::string::npos) << claims->detail;
  const auto* mailbox = FindStep(report, "mailbox");
  ASSERT_NE(mailbox, nullptr);
  EXPECT_EQ(mailbox->outcome, StepOutcome::kSkipped);
  EXPECT_NE(mailbox->detail.find("only a test message can confirm"), std::string::npos);
  EXPECT_EQ(emulator_->stats().graph_requests, 0u) << "Save without a test address sends nothing";
  EXPECT_EQ(emulator_->stats().smtp_connections, 0u);
}

TEST_F(GraphRouteTest, ATestAddressConfirmsTheMailboxWithOneMessage) {
  auto report = Save(GraphSettings(), "admin@contoso.com");
  EXPECT_TRUE(report.ok()) << notify::sdk::testing::ReportText(report);
  const auto* mailbox = FindStep(report, "mailbox");
  ASSERT_NE(mailbox, nullptr);
  EXPECT_EQ(mailbox->outcome, StepOutcome::kPassed) << mailbox->detail;
  ASSERT_TRUE(emulator_->WaitForMessages(1, std::chrono::seconds(5)));
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].route, "graph");
  EXPECT_EQ(received[0].recipients, std::vector<std::string>{"admin@contoso.com"});
}

TEST_F(GraphRouteTest, TheGuideWayAppDeliversThroughGraph) {
  auto batch = DeliveryLedger::Batch("g", 5);
  batch[0].cc = {"cc@contoso.com"};
  batch[0].bcc = {"hidden@contoso.com"};
  auto results = DeliverGraph(batch);
  ExpectAll(results, DeliveryStatus::kDelivered, "accepted by Exchange Online");
  for (const auto& r : results) EXPECT_EQ(r.code, 202);
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 5u);
  for (const auto& m : received) {
    EXPECT_EQ(m.route, "graph");
    EXPECT_EQ(m.client_id, m365emu::kDemoGraphClientId);
  }
  ledger_.ExpectSpoolConsistent(*emulator_);
  // Bcc reaches its recipient through Graph's MIME, which reads the headers.
  bool bcc_reached = false;
  for (const auto& m : received) {
    for (const auto& r : m.recipients) bcc_reached = bcc_reached || r == "hidden@contoso.com";
  }
  EXPECT_TRUE(bcc_reached);
  EXPECT_NE(host_.AllText().find("route: Microsoft Graph sendMail"), std::string::npos);
}

TEST_F(GraphRouteTest, AnAppWithBothPermissionsKeepsSmtp) {
  m365emu::Config config = m365emu::DemoConfig();
  config.app().roles[m365emu::kGraphResource] = {m365emu::kGraphMailSendRole};
  StartEmulator(config);
  notify::Settings settings = FaultSettings();
  settings["graph_url"] = emulator_->graph_url();
  settings["transport"] = "auto";
  M365Channel channel(host_, clock_);
  auto report = channel.Validate(settings, {notify::ValidationMode::kOnline, ""});
  EXPECT_TRUE(report.ok()) << notify::sdk::testing::ReportText(report);
  const auto* claims = FindStep(report, "claims");
  ASSERT_NE(claims, nullptr);
  EXPECT_NE(claims->detail.find("route: Exchange Online SMTP, because"), std::string::npos)
      << claims->detail;
  ledger_.SetDeliveredCode(250);
  auto results = Deliver(DeliveryLedger::Batch("both", 3), settings);
  ExpectAll(results, DeliveryStatus::kDelivered);
  for (const auto& m : emulator_->received()) EXPECT_EQ(m.route, "smtp");
  EXPECT_EQ(emulator_->stats().graph_requests, 0u);
}

TEST_F(GraphRouteTest, AnAppWithNeitherPermissionGetsBothRoutesGraphFirst) {
  StartEmulator(GraphRoles({}));
  auto report = Save(GraphSettings());
  EXPECT_FALSE(report.ok());
  const auto* claims = FindStep(report, "claims");
  ASSERT_NE(claims, nullptr);
  EXPECT_EQ(claims->outcome, StepOutcome::kFailed);
  auto graph_at = claims->remedy.find("Mail.Send");
  auto smtp_at = claims->remedy.find("SMTP.SendAsApp");
  ASSERT_NE(graph_at, std::string::npos) << claims->remedy;
  ASSERT_NE(smtp_at, std::string::npos) << claims->remedy;
  EXPECT_LT(graph_at, smtp_at) << claims->remedy;
  // Delivery says the same and sends nothing.
  auto results = DeliverGraph(DeliveryLedger::Batch("none", 2));
  ExpectAll(results, DeliveryStatus::kRejected, "neither Microsoft Graph Mail.Send");
  EXPECT_EQ(emulator_->stats().graph_requests, 0u);
  EXPECT_EQ(emulator_->stats().smtp_connections, 0u);
}

TEST_F(GraphRouteTest, TransportSmtpKeepsTheOldRemedyForAGraphOnlyApp) {
  notify::Settings settings = GraphSettings();
  settings["transport"] = "smtp";
  auto report = Save(settings);
  const auto* claims = FindStep(report, "claims");
  ASSERT_NE(claims, nullptr);
  EXPECT_EQ(claims->outcome, StepOutcome::kFailed);
  EXPECT_NE(claims->remedy.find("The app was granted Microsoft Graph Mail.Send"),
            std::string::npos);
}

notify::Message WithAttachment(const std::string& id, std::size_t bytes) {
  notify::Message m = DeliveryLedger::Tagged(id);
  notify::Attachment a;
  a.name = "report.bin";
  a.content_type = "application/octet-stream";
  a.bytes.resize(bytes);
  for (std::size_t i = 0; i < bytes; ++i) a.bytes[i] = static_cast<char>((i * 131) % 251);
  m.attachments.push_back(std::move(a));
  return m;
}

TEST_F(GraphRouteTest, TenMegabytesGoThroughUploadSessionsWithMailReadWrite) {
  StartEmulator(GraphRoles({m365emu::kGraphMailSendRole, m365emu::kGraphMailReadWriteRole}));
  notify::Message big = WithAttachment("big-1", 10u * 1024u * 1024u);
  auto results = DeliverGraph({big, DeliveryLedger::Tagged("small-1")});
  ExpectAll(results, DeliveryStatus::kDelivered);
  ASSERT_TRUE(emulator_->WaitForMessages(2, std::chrono::seconds(5)));
  ledger_.ExpectSpoolConsistent(*emulator_);
  bool found = false;
  for (const auto& m : emulator_->received()) {
    if (RawHeader(m.raw, kLedgerHeader) != "big-1") continue;
    found = true;
    EXPECT_EQ(m.route, "graph");
    EXPECT_GT(m.raw.size(), 10u * 1024u * 1024u) << "the attachment arrived whole";
  }
  EXPECT_TRUE(found);
  auto stats = emulator_->stats();
  EXPECT_GE(stats.graph_http_status[201], 2u) << "a draft and an upload session";
}

TEST_F(GraphRouteTest, TenMegabytesAreRefusedBeforeAnyRequestWithoutMailReadWrite) {
  auto results = DeliverGraph({WithAttachment("big-2", 10u * 1024u * 1024u)});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DeliveryStatus::kRejected);
  EXPECT_NE(results[0].detail.find("Mail.ReadWrite"), std::string::npos) << results[0].detail;
  EXPECT_NE(results[0].detail.find("35 MB"), std::string::npos) << results[0].detail;
  EXPECT_EQ(emulator_->stats().graph_requests, 0u);
}

TEST_F(GraphRouteTest, AThousandMessagesKeepToFourInFlightAndNoneIsLost) {
  auto batch = DeliveryLedger::Batch("k", 1000);
  // Requests held a little, so that the workers overlap at the emulator.
  m365emu::Faults slow;
  slow.graph_delay_ms = 2;
  emulator_->SetFaults(slow);
  auto results = DeliverGraph(batch);
  ExpectAll(results, DeliveryStatus::kDelivered);
  ASSERT_TRUE(emulator_->WaitForMessages(1000, std::chrono::seconds(10)));
  auto stats = emulator_->stats();
  EXPECT_LE(stats.graph_max_in_flight_per_mailbox, 4u);
  EXPECT_GE(stats.graph_max_in_flight_per_mailbox, 2u) << "the workers ran in parallel";
  EXPECT_EQ(stats.graph_http_status[429], 0u) << "never over the MailboxConcurrency limit";
  EXPECT_EQ(emulator_->received().size(), 1000u);
  ledger_.ExpectSpoolConsistent(*emulator_);
  EXPECT_EQ(ledger_.Undelivered(), 0);
}

// docs/delivery.md, Before any network: the same refusals on the Graph
// route, each message alone; the good one in the same batch goes through.
TEST_F(GraphRouteTest, BadMessagesAreRejectedBeforeAnyRequest) {
  std::vector<notify::Message> batch;
  auto add = [&](const std::string& id, auto change) {
    notify::Message m = DeliveryLedger::Tagged(id);
    change(m);
    batch.push_back(m);
  };
  add("crlf-subject", [](notify::Message& m) { m.subject = "a\r\nBcc: x@evil.example"; });
  add("bad-address", [](notify::Message& m) { m.to = {"not an address"}; });
  add("no-recipient", [](notify::Message& m) { m.to.clear(); });
  add("reserved-header", [](notify::Message& m) { m.extra_headers = {{"Bcc", "x@evil.example"}}; });
  add("bad-utf8", [](notify::Message& m) { m.text_body = "\xff\xfe"; });
  batch.push_back(DeliveryLedger::Tagged("good"));
  auto results = DeliverGraph(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i + 1 < results.size(); ++i) {
    EXPECT_EQ(results[i].status, DeliveryStatus::kRejected) << results[i].id;
    EXPECT_NE(results[i].detail.find("invalid message"), std::string::npos) << results[i].detail;
  }
  EXPECT_EQ(results.back().status, DeliveryStatus::kDelivered) << results.back().detail;
  EXPECT_EQ(emulator_->stats().graph_requests, 1u) << "only the good message was sent";
  ledger_.ExpectSpoolConsistent(*emulator_);
}

TEST_F(GraphRouteTest, OneConnectionCarriesManyRequests) {
  M365Config config = ResolveConfig(GraphSettings());
  auto tls = MakeClientTlsContext(config.ca_file);
  ASSERT_TRUE(tls.ok());
  GraphClient client(config, tls.value());
  std::string token = emulator_->MintToken(
      {"", m365emu::kDemoGraphClientId, m365emu::kGraphResource, std::nullopt});
  for (int i = 0; i < 5; ++i) {
    HttpsAnswer a = client.SendMail(
        token, "From: " + std::string(m365emu::kDemoMailbox) +
                   "\r\nTo: a@contoso.com\r\nSubject: " + std::to_string(i) + "\r\n\r\nbody\r\n");
    EXPECT_EQ(a.http_status, 202) << a.transport_error << a.body;
  }
  EXPECT_EQ(client.connections_opened(), 1) << "keep-alive reuses the connection";
}

}  // namespace
}  // namespace m365::testing
