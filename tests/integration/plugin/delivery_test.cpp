// Delivery through the channel against the in-process emulator: batching,
// connections, tokens, envelope and MIME as the server received them, and
// faults that must not lose a message (docs/delivery.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "channel/m365_channel.hpp"
#include "delivery/mailbox_slots.hpp"
#include "delivery_fixture.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;

class ChannelDeliveryTest : public DeliveryTest {
 protected:
  static int Count(const std::vector<DeliveryResult>& results, DeliveryStatus status) {
    int n = 0;
    for (const auto& r : results) n += r.status == status ? 1 : 0;
    return n;
  }
};

// A host that notes, at each line the sender logs, how many connection slots
// of the demo mailbox the process holds. The sender logs the end of each
// connection while it still holds that connection's slot.
class SlotCountingHost : public notify::sdk::testing::FakeHostContext {
 public:
  void Log(notify::LogLevel level, std::string_view text) noexcept override {
    most_slots_ = std::max(most_slots_.load(), MailboxSlot::InUse(m365emu::kDemoMailbox));
    FakeHostContext::Log(level, text);
  }
  int most_slots() const { return most_slots_; }

 private:
  std::atomic<int> most_slots_{0};
};

TEST_F(ChannelDeliveryTest, TwoHundredMessagesInMediumBatches) {
  auto batch = MakeMessages(200);
  SlotCountingHost host;
  M365Channel channel(host);
  notify::OpenResult opened = channel.Open(Settings("medium"));
  ASSERT_NE(opened.sender, nullptr);
  auto results = opened.sender->Deliver(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(results[i].id, batch[i].id);
  // The client's own count of open connections for the mailbox.
  EXPECT_GE(host.most_slots(), 1) << "no connection was logged while open";
  EXPECT_LE(host.most_slots(), 3);
  ASSERT_EQ(Count(results, DeliveryStatus::kDelivered), 200);
  for (const auto& r : results) {
    EXPECT_EQ(r.code, 250);
    EXPECT_EQ(r.enhanced, "2.0.0");
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_connections, 7u);  // ceil(200 / 30)
  EXPECT_EQ(stats.token_requests, 1u);
  EXPECT_EQ(stats.smtp_reply_counts["432 4.3.2"], 0u);  // never a 4th sender thread
  EXPECT_LE(stats.max_concurrent_connections, 3u);
  EXPECT_GE(stats.max_concurrent_connections, 2u) << "chunks do go in parallel";
  EXPECT_EQ(stats.starttls_count, 7u);

  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 200u);
  std::map<std::uint64_t, int> per_connection;
  std::set<std::string> numbers, message_ids;
  for (const auto& m : received) {
    ++per_connection[m.connection];
    EXPECT_EQ(m.envelope_from, m365emu::kDemoMailbox);
    EXPECT_EQ(m.authenticated_mailbox, m365emu::kDemoMailbox);
    std::string n = Header(m.raw, "X-Alert-Number");
    numbers.insert(n);
    ASSERT_EQ(m.recipients, std::vector<std::string>{"user" + n + "@contoso.com"});
    EXPECT_EQ(Header(m.raw, "To"), "user" + n + "@contoso.com");
    EXPECT_EQ(Header(m.raw, "Subject"), "Alert " + n);
    EXPECT_EQ(Header(m.raw, "From"), "\"Notify Tests\" <notify@contoso.onmicrosoft.com>");
    EXPECT_EQ(Header(m.raw, "MIME-Version"), "1.0");
    EXPECT_EQ(Header(m.raw, "Content-Type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(Header(m.raw, "Date").empty());
    EXPECT_EQ(Header(m.raw, "Message-ID"), m.message_id);
    message_ids.insert(m.message_id);
    // Dot-stuffed on the wire, un-stuffed by the server: the body is intact.
    EXPECT_NE(m.raw.find("\r\n.line starting with a dot\r\n"), std::string::npos);
  }
  EXPECT_EQ(numbers.size(), 200u);
  EXPECT_EQ(message_ids.size(), 200u);
  EXPECT_EQ(per_connection.size(), 7u);
  for (const auto& [connection, count] : per_connection) EXPECT_LE(count, 30) << connection;
}

// Tokens of 4 s are refreshed when less than 2 s is left, and expire at the
// earliest 3 s after they were issued (the emulator counts whole seconds), so
// a token handed out has a second left at least, however slow the machine.
// Each connection of 10 messages takes over 1.15 s (46 replies held back
// 25 ms each), so each worker's third connection needs a new token.
TEST_F(ChannelDeliveryTest, TokenExpiringMidBatchIsRefreshed) {
  m365emu::Config config = m365emu::DemoConfig();
  config.token_lifetime_seconds = 4;
  StartEmulator(config);
  m365emu::Faults slow;
  slow.smtp_reply_delay_ms = 25;
  emulator_->SetFaults(slow);
  auto batch = MakeMessages(90);
  auto results = Deliver(batch, "small");
  EXPECT_EQ(Count(results, DeliveryStatus::kDelivered), 90);
  EXPECT_EQ(emulator_->received().size(), 90u);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_GE(stats.token_requests, 2u);
  EXPECT_EQ(stats.smtp_connections, 9u);
  EXPECT_EQ(stats.auth_successes, 9u);
}

TEST_F(ChannelDeliveryTest, CcAndBccGoToTheEnvelopeBccNotToTheHeaders) {
  notify::Message m = MakeMessage(1);
  m.to = {"alice@contoso.com"};
  m.cc = {"bob@contoso.com", "carol@contoso.com"};
  m.bcc = {"audit@contoso.com"};
  auto results = Deliver({m});
  ASSERT_EQ(results[0].status, DeliveryStatus::kDelivered) << results[0].detail;
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].envelope_from, m365emu::kDemoMailbox);
  EXPECT_EQ(received[0].recipients,
            (std::vector<std::string>{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com",
                                      "audit@contoso.com"}));
  EXPECT_EQ(Header(received[0].raw, "To"), "alice@contoso.com");
  EXPECT_EQ(Header(received[0].raw, "Cc"), "bob@contoso.com, carol@contoso.com");
  EXPECT_EQ(Header(received[0].raw, "Bcc"), "");
  EXPECT_EQ(received[0].raw.find("audit@"), std::string::npos);
}

TEST_F(ChannelDeliveryTest, Utf8Subject) {
  notify::Message m = MakeMessage(1);
  m.subject = "Störung im Rechenzentrum München — 🚨 Füllstand 97 %";
  auto results = Deliver({m});
  ASSERT_EQ(results[0].status, DeliveryStatus::kDelivered) << results[0].detail;
  std::string subject = Header(emulator_->received().at(0).raw, "Subject");
  ASSERT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u) << subject;
  std::string decoded;
  std::size_t pos = 0;
  while ((pos = subject.find("=?UTF-8?B?", pos)) != std::string::npos) {
    std::size_t end = subject.find("?=", pos + 10);
    decoded += DecodeBase64(subject.substr(pos + 10, end - pos - 10));
    pos = end + 2;
  }
  EXPECT_EQ(decoded, m.subject);
}

TEST_F(ChannelDeliveryTest, HtmlAndAttachment) {
  notify::Message m = MakeMessage(1);
  m.html_body = "<html><body><p>Disk <b>full</b></p></body></html>";
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 3000; ++i) pdf += static_cast<char>(i * 7 % 256);
  m.attachments = {{"report.pdf", "application/pdf", pdf}};
  auto results = Deliver({m});
  ASSERT_EQ(results[0].status, DeliveryStatus::kDelivered) << results[0].detail;
  std::string raw = emulator_->received().at(0).raw;
  EXPECT_EQ(Header(raw, "Content-Type").rfind("multipart/mixed;", 0), 0u);
  EXPECT_NE(raw.find("Content-Type: multipart/alternative;"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(raw.find("<p>Disk <b>full</b></p>"), std::string::npos);
  std::size_t part = raw.find("Content-Type: application/pdf;");
  ASSERT_NE(part, std::string::npos);
  std::size_t body = raw.find("\r\n\r\n", part) + 4;
  std::size_t end = raw.find("\r\n--", body);
  EXPECT_EQ(DecodeBase64(raw.substr(body, end - body)), pdf);
  EXPECT_NE(raw.find("filename=\"report.pdf\""), std::string::npos);
}

TEST_F(ChannelDeliveryTest, InvalidMessageIsRejectedTheOthersDelivered) {
  auto batch = MakeMessages(3);
  batch[1].subject = "Hello\r\nBcc: victim@example.com";
  auto results = Deliver(batch);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRejected);
  EXPECT_NE(results[1].detail.find("subject"), std::string::npos);
  EXPECT_EQ(results[2].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(emulator_->received().size(), 2u);
}

TEST_F(ChannelDeliveryTest, RecipientRepliesDecideTheResult) {
  m365emu::Faults faults;
  faults.smtp_rcpt_replies["nobody@contoso.com"] =
      "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup";
  faults.smtp_rcpt_replies["busy@contoso.com"] = "450 4.2.1 Mailbox busy";
  emulator_->SetFaults(faults);
  auto batch = MakeMessages(4);
  batch[1].to = {"nobody@contoso.com"};
  batch[2].cc = {"busy@contoso.com"};
  auto results = Deliver(batch);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRejected);
  EXPECT_EQ(results[1].code, 550);
  EXPECT_EQ(results[1].enhanced, "5.1.10");
  EXPECT_NE(results[1].detail.find("RecipientNotFound"), std::string::npos);
  EXPECT_EQ(results[2].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(results[2].code, 450);
  EXPECT_EQ(results[3].status, DeliveryStatus::kDelivered);  // RSET kept the connection usable
  EXPECT_EQ(emulator_->stats().smtp_connections, 1u);
  EXPECT_EQ(emulator_->received().size(), 2u);
}

TEST_F(ChannelDeliveryTest, WrongSecretRejectsEverythingWithTheTokenError) {
  notify::Settings settings = Settings();
  settings["client_secret"] = "Wrong~Secret.Value_1234567890abcdefghijk";
  M365Channel channel(host_);
  auto opened = channel.Open(settings);
  ASSERT_NE(opened.sender, nullptr);
  auto results = opened.sender->Deliver(MakeMessages(5));
  ASSERT_EQ(results.size(), 5u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRejected);
    EXPECT_NE(r.detail.find("7000215"), std::string::npos) << r.detail;
    EXPECT_EQ(r.detail.find("Wrong~Secret"), std::string::npos);
  }
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
  EXPECT_EQ(emulator_->received().size(), 0u);
}

TEST_F(ChannelDeliveryTest, NoSecretOrTokenInResultsOrLogs) {
  auto results = Deliver(MakeMessages(3));
  std::string everything = host_.AllText();
  for (const auto& r : results) everything += r.detail + "\n";
  EXPECT_EQ(everything.find(m365emu::kDemoSecretValue), std::string::npos);
  EXPECT_EQ(everything.find("eyJ"), std::string::npos);      // a JWT
  EXPECT_EQ(everything.find("dXNlcj1"), std::string::npos);  // base64 of "user="
}

}  // namespace
}  // namespace m365::testing
