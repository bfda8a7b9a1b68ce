#include "mime/mime_builder.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <string_view>

#include "mime/mime_encoding.hpp"
#include "notify/sdk/settings.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;

constexpr std::size_t kMaxHeaderName = 76;
constexpr std::size_t kMaxHeaderValue = 16 * 1024;
constexpr std::size_t kMaxAttachmentName = 255;
// Exchange Online's limits (docs/microsoft-365.md, Sending limits): a longer
// subject, more recipients or a bigger message would be refused or cut by
// the server, and its 452 for too many recipients would make the host retry
// for ever.
constexpr std::size_t kMaxSubjectCharacters = 255;
constexpr std::size_t kMaxRecipients = 500;  // the default; tenants may allow up to 1000
constexpr std::size_t kMaxMessageBytes = 35u * 1024u * 1024u;  // the default, after encoding

// Headers the builder writes itself; an extra header may not replace them.
const std::set<std::string> kReservedHeaders = {
    "from",   "to",         "cc",           "bcc",          "subject",
    "date",   "message-id", "mime-version", "content-type", "content-transfer-encoding",
    "sender", "return-path"};

// Forks of this process so far, counted by pthread_atfork's child handler:
// a generator sees that it runs in a child without a system call per ID.
std::atomic<unsigned> forks_seen{0};
void CountFork() { forks_seen.fetch_add(1, std::memory_order_relaxed); }

// 128 random bits as 32 lower-case hex digits, for Message-IDs and MIME
// boundaries. Reading the system's randomness for every ID cost a third of
// building a 1 KB message, so each thread seeds its own generator once with
// 256 bits from std::random_device, and again in a child after fork(), which
// would otherwise repeat its parent's IDs. Threads, processes and hosts are
// seeded independently: two IDs are equal with probability about 2^-128.
// (OpenSSL's RAND_bytes took about 2 µs of CPU per ID here, with a
// getpid() each: IDs need no secrecy.) Boundaries need no secrecy
// either: they start with "=_", which neither base64 nor quoted-printable
// output can contain.
std::string RandomHex() {
  static const bool fork_counted = ::pthread_atfork(nullptr, nullptr, &CountFork) == 0;
  struct Generator {
    bool seeded = false;
    unsigned forks = 0;
    std::mt19937_64 bits;
  };
  thread_local Generator generator;
  const unsigned forks = forks_seen.load(std::memory_order_relaxed);
  if (!generator.seeded || generator.forks != forks || !fork_counted) {
    std::random_device entropy;
    std::seed_seq seed{entropy(), entropy(), entropy(), entropy(),
                       entropy(), entropy(), entropy(), entropy()};
    generator.bits.seed(seed);
    generator.seeded = true;
    generator.forks = forks;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t value = generator.bits();
    for (int i = 0; i < 16; ++i, value >>= 4) out[half * 16 + i] = kHex[value & 0x0F];
  }
  return out;
}

// True for "<left@right>" with both sides made of RFC 5322 atext and dots:
// the id-left and id-right a host may choose (docs/host-api.md, "Message").
bool IsMessageId(const std::string& id) {
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return false;
  const std::string inner = id.substr(1, id.size() - 2);
  const auto at = inner.find('@');
  if (at == 0 || at == std::string::npos || at + 1 == inner.size() ||
      inner.find('@', at + 1) != std::string::npos)
    return false;
  return std::all_of(inner.begin(), inner.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+/=?^_`{|}~.-@").find(c) != std::string_view::npos;
  });
}

// Shown in errors: the value cut short, with control characters visible.
std::string Quote(const std::string& value) {
  std::string out;
  for (char c : value.substr(0, 60)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7F) {
      out += '?';
    } else {
      out += c;
    }
  }
  return "'" + out + (value.size() > 60 ? "...'" : "'");
}

// Characters (code points) of valid UTF-8 `text`.
std::size_t Utf8Length(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Bytes of `n` bytes in base64 with CRLF every 76 characters.
std::size_t Base64LinesSize(std::size_t n) {
  std::size_t flat = (n + 2) / 3 * 4;
  return flat + (flat + 75) / 76 * 2;
}

std::string Megabytes(std::size_t bytes) {
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MB";
}

// Checks text that goes into a header: UTF-8, no line breaks or controls.
Status CheckHeaderText(const std::string& part, const std::string& value) {
  if (value.find_first_of("\r\n") != std::string::npos) {
    return Status::Error(part + ": contains a line break (CR or LF), which could inject headers",
                         "Remove the line break.");
  }
  if (HasControlCharacters(value)) {
    return Status::Error(part + ": contains a control character", "Remove it.");
  }
  if (!IsValidUtf8(value)) return Status::Error(part + ": is not valid UTF-8");
  if (value.size() > kMaxHeaderValue) return Status::Error(part + ": is too long");
  return Status::Ok();
}

Status CheckAddresses(const std::string& field, const std::vector<std::string>& addresses) {
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (!notify::sdk::IsEmailAddress(addresses[i])) {
      return Status::Error(field + "[" + std::to_string(i) + "]: " + Quote(addresses[i]) +
                               " is not an e-mail address",
                           "Give a plain address such as someone@example.com.");
    }
  }
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A MIME entity: its Content-* header lines and its body.
struct Part {
  std::string headers;
  std::string body;
};

Part TextPart(const std::string& subtype, const std::string& text) {
  return {"Content-Type: text/" + subtype +
              "; charset=utf-8\r\n"
              "Content-Transfer-Encoding: quoted-printable\r\n",
          EncodeQuotedPrintable(text)};
}

Part Multipart(const std::string& subtype, const std::vector<Part>& parts) {
  std::string boundary = "=_m365_" + RandomHex();
  Part out{"Content-Type: multipart/" + subtype + ";\r\n boundary=\"" + boundary + "\"\r\n", ""};
  for (const Part& part : parts) {
    out.body += "--" + boundary + "\r\n" + part.headers + "\r\n" + part.body;
    if (out.body.size() < 2 || out.body.compare(out.body.size() - 2, 2, "\r\n") != 0) {
      out.body += "\r\n";
    }
  }
  out.body += "--" + boundary + "--\r\n";
  return out;
}

bool IsToken(const std::string& s) {
  static const std::string kSpecials = "()<>@,;:\\\"/[]?=";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c > 0x20 && c < 0x7F && kSpecials.find(c) == std::string::npos;
  });
}

notify::sdk::StatusOr<Part> AttachmentPart(std::size_t index, const notify::Attachment& a) {
  std::string part = "attachments[" + std::to_string(index) + "]";
  std::string name = a.name.empty() ? "attachment-" + std::to_string(index + 1) : a.name;
  Status status = CheckHeaderText(part + ".name", name);
  if (!status.ok()) return status;
  if (name.size() > kMaxAttachmentName) return Status::Error(part + ".name: is too long");
  if (name.find_first_of("/\\") != std::string::npos) {
    return Status::Error(part + ".name: " + Quote(name) + " contains a path separator",
                         "Give the file name only, without folders.");
  }
  if (Base64LinesSize(a.bytes.size()) > kMaxMessageBytes) {
    return Status::Error(part + " (" + Quote(name) + "): " + Megabytes(a.bytes.size()) +
                             ", more than the " + Megabytes(kMaxMessageBytes) +
                             " a message may have in Exchange Online once encoded",
                         "Send a smaller file, or a link to it.");
  }
  std::string type =
      a.content_type.empty() ? "application/octet-stream" : Poco::toLower(a.content_type);
  auto slash = type.find('/');
  if (slash == std::string::npos || !IsToken(type.substr(0, slash)) ||
      !IsToken(type.substr(slash + 1))) {
    return Status::Error(part + ".content_type: " + Quote(a.content_type) + " is not a media type",
                         "Use a type/subtype such as application/pdf.");
  }
  return Part{"Content-Type: " + type + ";\r\n " + EncodeParameter("name", name) + "\r\n" +
                  "Content-Disposition: attachment;\r\n " + EncodeParameter("filename", name) +
                  "\r\nContent-Transfer-Encoding: base64\r\n",
              EncodeBase64Lines(a.bytes)};
}

}  // namespace

MimeBuilder::MimeBuilder(std::string from_email, std::string from_name)
    : from_email_(std::move(from_email)), from_name_(std::move(from_name)) {}

notify::sdk::StatusOr<MimeMessage> MimeBuilder::Build(const notify::Message& message,
                                                      bool bcc_header) const {
  if (!notify::sdk::IsEmailAddress(from_email_)) {
    return Status::Error("from_email: " + Quote(from_email_) + " is not an e-mail address");
  }
  Status status = CheckHeaderText("from_name", from_name_);
  if (!status.ok()) return status;
  for (auto check :
       {CheckAddresses("to", message.to), CheckAddresses("cc", message.cc),
        CheckAddresses("bcc", message.bcc), CheckHeaderText("subject", message.subject)}) {
    if (!check.ok()) return check;
  }
  if (message.to.empty() && message.cc.empty() && message.bcc.empty()) {
    return Status::Error("the message has no recipient",
                         "Give at least one to, cc or bcc address.");
  }
  if (Utf8Length(message.subject) > kMaxSubjectCharacters) {
    return Status::Error("subject: " + std::to_string(Utf8Length(message.subject)) +
                             " characters, more than the " + std::to_string(kMaxSubjectCharacters) +
                             " Exchange Online accepts",
                         "Shorten the subject; put the details in the body.");
  }
  if (!IsValidUtf8(message.text_body)) return Status::Error("text_body: is not valid UTF-8");
  if (!IsValidUtf8(message.html_body)) return Status::Error("html_body: is not valid UTF-8");

  // The size is checked on the raw sizes before anything is encoded, so an
  // oversized message never costs its encoded copy (docs/delivery.md,
  // Before any network): base64 of the attachments plus the bodies is less
  // than the encoded message can be.
  std::size_t attachment_bytes = 0;
  std::size_t least_encoded = message.text_body.size() + message.html_body.size();
  bool one_too_large = false;  // AttachmentPart names it, before encoding it
  for (const notify::Attachment& a : message.attachments) {
    attachment_bytes += a.bytes.size();
    least_encoded += Base64LinesSize(a.bytes.size());
    one_too_large = one_too_large || Base64LinesSize(a.bytes.size()) > kMaxMessageBytes;
  }
  if (least_encoded > kMaxMessageBytes && !one_too_large) {
    return Status::Error("the message would be at least " + Megabytes(least_encoded) +
                             " once encoded (its attachments are " + Megabytes(attachment_bytes) +
                             " before base64), more than the " + Megabytes(kMaxMessageBytes) +
                             " Exchange Online accepts",
                         "Send fewer or smaller attachments, or a link to them.");
  }

  MimeMessage out;
  std::set<std::string> seen;
  for (const auto* list : {&message.to, &message.cc, &message.bcc}) {
    for (const std::string& address : *list) {
      if (seen.insert(Poco::toLower(address)).second) out.recipients.push_back(address);
    }
  }
  if (out.recipients.size() > kMaxRecipients) {
    return Status::Error("to/cc/bcc: " + std::to_string(out.recipients.size()) +
                             " recipients, more than the " + std::to_string(kMaxRecipients) +
                             " Exchange Online accepts in one message",
                         "Split the recipients over several messages, or send to a "
                         "distribution group.");
  }
  // The host's Message-ID when it gives one (an extra header, docs/host-api.md,
  // "Message"), so that a retry after an unknown outcome carries the same id;
  // otherwise a new one.
  std::size_t host_id = message.extra_headers.size();
  for (std::size_t i = 0; i < message.extra_headers.size(); ++i) {
    if (Poco::icompare(message.extra_headers[i].first, "Message-ID") != 0) continue;
    std::string part = "extra_headers[" + std::to_string(i) + "] (Message-ID)";
    if (host_id != message.extra_headers.size())
      return Status::Error(part + ": a second Message-ID", "Give the Message-ID once.");
    if (!IsMessageId(message.extra_headers[i].second))
      return Status::Error(
          part + ": " + Quote(message.extra_headers[i].second) + " is not a Message-ID",
          "Give it as <unique-part@domain>, e.g. <n-42@notify.example.com>.");
    host_id = i;
  }
  out.message_id = host_id != message.extra_headers.size()
                       ? message.extra_headers[host_id].second
                       : "<" + RandomHex() + "@" + notify::sdk::EmailDomain(from_email_) + ">";

  std::string headers;
  std::string from =
      from_name_.empty() ? from_email_ : EncodeDisplayName(from_name_) + " <" + from_email_ + ">";
  headers += FoldHeader("From", from);
  if (!message.to.empty()) headers += FoldHeader("To", Join(message.to));
  if (!message.cc.empty()) headers += FoldHeader("Cc", Join(message.cc));
  if (bcc_header && !message.bcc.empty()) headers += FoldHeader("Bcc", Join(message.bcc));
  if (message.to.empty() && message.cc.empty()) headers += "To: undisclosed-recipients:;\r\n";
  headers += FoldHeader("Subject", EncodeUnstructured(message.subject));
  headers +=
      "Date: " + Poco::DateTimeFormatter::format(Poco::Timestamp(), "%w, %d %b %Y %H:%M:%S +0000") +
      "\r\n";
  headers += "Message-ID: " + out.message_id + "\r\n";
  for (std::size_t i = 0; i < message.extra_headers.size(); ++i) {
    if (i == host_id) continue;  // written above
    const auto& [name, value] = message.extra_headers[i];
    std::string part = "extra_headers[" + std::to_string(i) + "]";
    bool name_ok = !name.empty() && name.size() <= kMaxHeaderName &&
                   std::all_of(name.begin(), name.end(),
                               [](char c) { return c > 0x20 && c < 0x7F && c != ':'; });
    if (!name_ok) {
      return Status::Error(part + ": " + Quote(name) + " is not a header name",
                           "Use letters, digits and '-' only, e.g. X-Ticket-Id.");
    }
    if (kReservedHeaders.count(Poco::toLower(name)) != 0) {
      return Status::Error(part + ": the " + name + " header is set by the channel",
                           "Use the message's own field instead of an extra header.");
    }
    status = CheckHeaderText(part + " (" + name + ")", value);
    if (!status.ok()) return status;
    headers += FoldHeader(name, EncodeUnstructured(value));
  }
  headers += "MIME-Version: 1.0\r\n";

  Part body;
  bool has_html = !message.html_body.empty();
  if (has_html && !message.text_body.empty()) {
    body = Multipart("alternative",
                     {TextPart("plain", message.text_body), TextPart("html", message.html_body)});
  } else {
    body = has_html ? TextPart("html", message.html_body) : TextPart("plain", message.text_body);
  }
  if (!message.attachments.empty()) {
    std::vector<Part> parts{body};
    for (std::size_t i = 0; i < message.attachments.size(); ++i) {
      auto attachment = AttachmentPart(i, message.attachments[i]);
      if (!attachment.ok()) return attachment.status();
      parts.push_back(*attachment);
    }
    body = Multipart("mixed", parts);
  }
  out.data = headers + body.headers + "\r\n" + body.body;
  if (out.data.size() > kMaxMessageBytes) {
    return Status::Error("the message is " + Megabytes(out.data.size()) +
                             " once encoded, more than the " + Megabytes(kMaxMessageBytes) +
                             " Exchange Online accepts",
                         "Send fewer or smaller attachments.");
  }
  return out;
}

}  // namespace m365
