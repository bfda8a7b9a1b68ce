// Bad messages (docs/delivery.md, Before any network): each is rejected with an error naming the
// message part, nothing of it reaches the server (no RCPT for an injected address, no injected
// header), and the good messages around it are delivered. Then what must pass intact: lone dots,
// bare LF and CR in bodies (dot-stuffing and CRLF on the wire), quotes in attachment names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fault_matrix_fixture.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;
using notify::Message;

struct BadMessage {
  const char* name;
  void (*mutate)(Message&);
  const char* part;      // the error must name it
  const char* injected;  // must not be on the wire anywhere, or nullptr
};

const std::string kVictim = "victim@example.com";

std::vector<std::string> Addresses(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("r" + std::to_string(i) + "@contoso.com");
  return out;
}

const BadMessage kBadMessages[] = {
    {"subject_crlf", [](Message& m) { m.subject = "Hi\r\nBcc: " + kVictim; }, "subject", "Bcc:"},
    {"subject_lf", [](Message& m) { m.subject = "Hi\nX-Injected: 1"; }, "subject", "X-Injected"},
    {"subject_cr", [](Message& m) { m.subject = "Hi\rX-Injected: 1"; }, "subject", "X-Injected"},
    {"subject_nul", [](Message& m) { m.subject = std::string("Hi\0there", 8); }, "subject",
     nullptr},
    {"subject_256_ascii", [](Message& m) { m.subject = std::string(256, 's'); }, "subject",
     nullptr},
    {"subject_256_utf8",
     [](Message& m) {
       m.subject.clear();
       for (int i = 0; i < 256; ++i) m.subject += "\xC3\xA4";  // ä
     },
     "subject", nullptr},
    {"subject_not_utf8", [](Message& m) { m.subject = "caf\xE9"; }, "subject", nullptr},
    {"display_name_in_to", [](Message& m) { m.to = {"Eve <eve@contoso.com>"}; }, "to[0]", nullptr},
    {"display_name_crlf_in_to",
     [](Message& m) { m.to = {"Eve\r\nBcc: " + kVictim + " <eve@contoso.com>"}; }, "to[0]", "Bcc:"},
    {"to_smtp_injection", [](Message& m) { m.to = {"a@contoso.com>\r\nRCPT TO:<" + kVictim}; },
     "to[0]", "RCPT TO"},
    {"to_not_an_address", [](Message& m) { m.to = {"not an address"}; }, "to[0]", nullptr},
    {"to_empty_string", [](Message& m) { m.to = {""}; }, "to[0]", nullptr},
    {"to_angle_brackets", [](Message& m) { m.to = {"<a@contoso.com>"}; }, "to[0]", nullptr},
    {"to_no_domain", [](Message& m) { m.to = {"a@"}; }, "to[0]", nullptr},
    {"to_local_part_65", [](Message& m) { m.to = {std::string(65, 'a') + "@contoso.com"}; },
     "to[0]", nullptr},
    {"cc_second_invalid",
     [](Message& m) {
       m.cc = {"ok@contoso.com", "bad@@contoso.com"};
     },
     "cc[1]", nullptr},
    {"bcc_invalid", [](Message& m) { m.bcc = {"bcc@contoso.com\n"}; }, "bcc[0]", nullptr},
    {"no_recipient", [](Message& m) { m.to.clear(); }, "no recipient", nullptr},
    {"recipients_501", [](Message& m) { m.to = Addresses(501); }, "501 recipients", nullptr},
    {"header_name_crlf",
     [](Message& m) {
       m.extra_headers = {{"X-A\r\nBcc", kVictim}};
     },
     "extra_headers[0]", "Bcc:"},
    {"header_name_colon",
     [](Message& m) {
       m.extra_headers = {{"X-A: b\r\nX-Injected", "1"}};
     },
     "extra_headers[0]", "X-Injected"},
    {"header_name_space",
     [](Message& m) {
       m.extra_headers = {{"X A", "1"}};
     },
     "extra_headers[0]", nullptr},
    {"header_name_empty",
     [](Message& m) {
       m.extra_headers = {{"", "1"}};
     },
     "extra_headers[0]", nullptr},
    {"header_name_utf8",
     [](Message& m) {
       m.extra_headers = {
           {"X-Gr\xC3\xB6\xC3\x9F"
            "e",
            "1"}};
     },
     "extra_headers[0]", nullptr},
    {"header_value_crlf",
     [](Message& m) {
       m.extra_headers = {{"X-Ticket", "1\r\nBcc: " + kVictim}};
     },
     "extra_headers[0]", "Bcc:"},
    {"header_value_lf",
     [](Message& m) {
       m.extra_headers = {{"X-Ticket", "1\nX-Injected: 1"}};
     },
     "extra_headers[0]", "X-Injected"},
    {"header_value_too_long",
     [](Message& m) {
       m.extra_headers = {{"X-Ticket", std::string(17 * 1024, 'v')}};
     },
     "extra_headers[0]", nullptr},
    {"header_reserved_from",
     [](Message& m) {
       m.extra_headers = {{"From", "ceo@contoso.com"}};
     },
     "extra_headers[0]", "From: ceo"},
    {"header_reserved_bcc",
     [](Message& m) {
       m.extra_headers = {{"bcc", kVictim}};
     },
     "extra_headers[0]", nullptr},
    {"text_body_not_utf8", [](Message& m) { m.text_body = "bad \xFF\xFE bytes"; }, "text_body",
     nullptr},
    {"html_body_not_utf8", [](Message& m) { m.html_body = "<p>\xC3\x28</p>"; }, "html_body",
     nullptr},
    {"attachment_too_large",
     [](Message& m) {
       m.attachments = {{"dump.bin", "", std::string(27u << 20, 'z')}};
     },
     "attachments[0]", nullptr},
    {"attachment_name_path",
     [](Message& m) {
       m.attachments = {{"../../etc/passwd", "text/plain", "x"}};
     },
     "attachments[0].name", nullptr},
    {"attachment_name_windows_path",
     [](Message& m) {
       m.attachments = {{"C:\\temp\\report.pdf", "application/pdf", "x"}};
     },
     "attachments[0].name", nullptr},
    {"attachment_name_crlf",
     [](Message& m) {
       m.attachments = {{"a.txt\r\nX-Injected: 1", "text/plain", "x"}};
     },
     "attachments[0].name", "X-Injected"},
    {"attachment_type_crlf",
     [](Message& m) {
       m.attachments = {{"a.txt", "text/plain\r\nX-Injected: 1", "x"}};
     },
     "attachments[0].content_type", "X-Injected"},
    {"attachment_type_not_a_type",
     [](Message& m) {
       m.attachments = {{"a.txt", "plain text", "x"}};
     },
     "attachments[0].content_type", nullptr},
};

class BadMessageTest : public FaultMatrixTest {};

// All bad messages in one batch, each between two good ones: one Deliver,
// one result per message, only the good ones on the wire.
TEST_F(BadMessageTest, EachIsRejectedNamingThePartAndNothingOfItIsSent) {
  std::vector<Message> batch;
  for (const BadMessage& c : kBadMessages) {
    batch.push_back(DeliveryLedger::Tagged(std::string("good-before-") + c.name));
    Message bad = DeliveryLedger::Tagged(std::string("bad-") + c.name);
    c.mutate(bad);
    batch.push_back(bad);
  }
  batch.push_back(DeliveryLedger::Tagged("good-last"));
  auto results = Deliver(batch);
  ASSERT_EQ(results.size(), batch.size());
  int bad_count = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    if (r.id.rfind("bad-", 0) != 0) {
      EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.id << ": " << r.detail;
      continue;
    }
    const BadMessage& c = kBadMessages[i / 2];
    SCOPED_TRACE(c.name);
    ++bad_count;
    EXPECT_EQ(r.status, DeliveryStatus::kRejected) << r.detail;
    EXPECT_EQ(r.code, 0) << "refused by the channel, not by the server";
    EXPECT_NE(r.detail.find(c.part), std::string::npos) << r.detail;
    EXPECT_LT(r.detail.size(), 600u) << "an error, not an echo of the input";
  }
  EXPECT_GE(bad_count, 37);
  auto received = emulator_->received();
  EXPECT_EQ(received.size(), batch.size() - bad_count);
  for (const auto& m : received) {
    std::string id = RawHeader(m.raw, kLedgerHeader);
    EXPECT_EQ(id.rfind("good-", 0), 0u) << id;
    for (const auto& rcpt : m.recipients) EXPECT_NE(rcpt, kVictim) << id;
    std::string headers = m.raw.substr(0, m.raw.find("\r\n\r\n"));
    for (const BadMessage& c : kBadMessages) {
      if (c.injected != nullptr) {
        EXPECT_EQ(headers.find(std::string("\r\n") + c.injected), std::string::npos)
            << c.name << " in " << id;
      }
    }
  }
  ledger_.ExpectSpoolConsistent(*emulator_);
  // The server never saw a command or a reply that says otherwise.
  EXPECT_EQ(emulator_->stats().smtp_reply_counts["452 4.5.3"], 0u);
  EXPECT_EQ(emulator_->stats().smtp_reply_counts["552 5.3.4"], 0u);
}

TEST_F(BadMessageTest, LimitsAreInclusive) {
  Message m = DeliveryLedger::Tagged("limits");
  m.subject.clear();
  for (int i = 0; i < 255; ++i) m.subject += "\xC3\xA4";
  m.to = Addresses(500);
  auto results = Deliver({m});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered) << results[0].detail;
  ASSERT_EQ(emulator_->received().size(), 1u);
  EXPECT_EQ(emulator_->received()[0].recipients.size(), 500u);
}

// QP-decodes `text` (soft breaks removed, =XX decoded).
std::string DecodeQuotedPrintable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && text.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

TEST_F(BadMessageTest, LoneDotsAndBareLineBreaksArriveIntactWithCrlf) {
  Message m = DeliveryLedger::Tagged("dots");
  m.text_body = ".\n..\r\n.\r.x\n\r\n.\r\n\r\nend with a dot\n.";
  Message next = DeliveryLedger::Tagged("after-dots");  // same connection, after it
  auto results = Deliver({m, next});
  ExpectAll(results, DeliveryStatus::kDelivered);
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 2u) << "a lone '.' ended the DATA early";
  const std::string& raw = received[0].raw;
  EXPECT_EQ(RawHeader(raw, kLedgerHeader), "dots");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
    if (raw[i] == '\r') ASSERT_TRUE(i + 1 < raw.size() && raw[i + 1] == '\n') << "bare CR";
  }
  std::string body = DecodeQuotedPrintable(raw.substr(raw.find("\r\n\r\n") + 4));
  EXPECT_EQ(body, ".\r\n..\r\n.\r\n.x\r\n\r\n.\r\n\r\nend with a dot\r\n.\r\n");
  EXPECT_EQ(received[1].connection, received[0].connection);
  ledger_.ExpectSpoolConsistent(*emulator_);
}

TEST_F(BadMessageTest, QuotesInAttachmentNamesCannotAddParameters) {
  Message m = DeliveryLedger::Tagged("quotes");
  m.attachments = {{"q\"3\".pdf\"; filename=\"evil.exe", "application/pdf", "%PDF"}};
  auto results = Deliver({m});
  ExpectAll(results, DeliveryStatus::kDelivered);
  ASSERT_EQ(emulator_->received().size(), 1u);
  const std::string raw = emulator_->received()[0].raw;
  EXPECT_NE(raw.find(R"(filename="q\"3\".pdf\"; filename=\"evil.exe")"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("filename=\"evil.exe\""), std::string::npos);
}

}  // namespace
}  // namespace m365::testing
