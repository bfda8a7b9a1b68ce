// SmtpConnection drives the SMTP dialogue itself over SmtpSocket rather than
// through Poco's SMTPClientSession, because in Poco 1.11 that session
//  - has no PIPELINING (RFC 2920): one round trip per command;
//  - throws on a refused RCPT and leaves the transaction open (no RSET, no
//    reply per recipient), so "all or nothing per message" cannot be kept;
//  - cannot tell whether the end of DATA was sent before a connection was
//    lost, which the "outcome unknown" result needs (docs/delivery.md);
//  - logs in with AUTH_XOAUTH2 only in the one-line form (a real token makes
//    the line longer than 512 bytes) and cannot answer a 334 error challenge;
//  - reads replies without a bound on their number of lines or a deadline
//    for the whole reply.
// STARTTLS on a connected socket needs the host name for the certificate
// check: with an empty one Poco 1.11 checks the certificate against the
// peer's address and fails; SmtpSocket passes the configured name. Poco still
// does the sockets, TLS (SecureStreamSocket) and base64.
#include "smtp/smtp_connection.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include "notify/sdk/barrier.hpp"
#include "smtp/smtp_data.hpp"
#include "smtp/smtp_socket.hpp"
#include "smtp/xoauth2.hpp"

namespace m365 {
namespace {

// RFC 5321 section 4.5.3.1.4: a command line is at most 512 bytes with CRLF.
constexpr std::size_t kMaxCommandLine = 512;

// Splits on spaces and on '=' (the old "AUTH=LOGIN XOAUTH2" form).
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  for (char c : line) {
    if (c == ' ' || c == '=') {
      if (!word.empty()) words.push_back(Poco::toUpper(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(Poco::toUpper(word));
  return words;
}

// An address that can go between < and > in MAIL FROM / RCPT TO without
// changing the command: no controls, spaces or angle brackets.
bool IsSafeEnvelopeAddress(const std::string& address) {
  if (address.empty() || address.size() > 254) return false;
  return std::none_of(address.begin(), address.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f || c == '<' || c == '>';
  });
}

// A failed `step`: the error says the step, then `what`.
SmtpStepResult Failure(const std::string& step, const std::string& what) {
  SmtpStepResult result;
  result.step = step;
  result.error = step + ": " + what;
  return result;
}

}  // namespace

class SmtpConnection::Impl {
 public:
  explicit Impl(SmtpEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  std::chrono::milliseconds timeout() const { return endpoint_.timeout; }

  // Sends `line` and CRLF, returns the reply. Throws SmtpTransportError.
  SmtpReply Command(const std::string& line) {
    socket_.Send(line + "\r\n", timeout());
    return ReadReply();
  }

  SmtpReply ReadReply() {
    SmtpReply reply = socket_.ReadReply(timeout());
    // 421: the server is closing the channel (RFC 5321 section 3.8).
    if (reply.code == 421) socket_.Close();
    return reply;
  }

  // Runs `body`; a transport error ends the connection and becomes the
  // result's error, prefixed with `step`. `body` may move `step` on as the
  // dialogue advances (greeting after connect, TLS handshake after
  // STARTTLS), so the result names the step that was under way.
  template <class Body>
  SmtpStepResult Step(const std::string& step, Body&& body) {
    SmtpStepResult result;
    try {
      result = body();
      result.connection_lost = result.connection_lost || !socket_.IsOpen();
    } catch (const SmtpTransportError& e) {
      socket_.Close();
      result = Failure(step, e.what());
      result.timed_out = e.kind() == SmtpTransportError::Kind::kTimeout;
      result.connection_lost = true;
    } catch (...) {
      socket_.Close();
      result = Failure(step, notify::sdk::DescribeCurrentException());
      result.connection_lost = true;
    }
    result.step = step;
    return result;
  }

  static SmtpStepResult FromReply(SmtpReply reply, int expected) {
    SmtpStepResult result;
    result.ok = reply.code == expected;
    result.reply = std::move(reply);
    return result;
  }

  // After a refusal inside a pipelined group: reads the replies still due
  // for `rcpts_left` RCPT TOs and, with `data_in_group`, DATA, so the next
  // command meets a quiet stream. A DATA wrongly answered 354 gets a lone "."
  // (RFC 2920 section 3.1; no recipient was accepted, so nothing is sent).
  // The refusal is already known: a broken connection here only closes the
  // socket, it does not replace the refusal.
  void FinishRefusedGroup(std::size_t rcpts_left, bool data_in_group) {
    try {
      for (std::size_t i = 0; i < rcpts_left && socket_.IsOpen(); ++i) ReadReply();
      if (data_in_group && socket_.IsOpen() && ReadReply().code == 354) {
        socket_.Send(".\r\n", timeout());
        ReadReply();
      }
    } catch (const SmtpTransportError&) {
      socket_.Close();
    }
  }

  void ParseCapabilities(const SmtpReply& reply) {
    offers_starttls_ = false;
    offers_xoauth2_ = false;
    offers_pipelining_ = false;
    max_size_ = 0;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
      std::vector<std::string> words = Words(reply.lines[i]);
      if (words.empty()) continue;
      if (words[0] == "STARTTLS") offers_starttls_ = true;
      if (words[0] == "PIPELINING") offers_pipelining_ = true;
      if (words[0] == "AUTH") {
        offers_xoauth2_ =
            offers_xoauth2_ || std::find(words.begin() + 1, words.end(), "XOAUTH2") != words.end();
      }
      if (words[0] == "SIZE" && words.size() > 1) {
        try {
          max_size_ = std::stoull(words[1]);
        } catch (const std::exception&) {
          max_size_ = 0;
        }
      }
    }
  }

  SmtpEndpoint endpoint_;
  SmtpSocket socket_;
  bool ehlo_done_ = false;
  bool offers_starttls_ = false;
  bool offers_xoauth2_ = false;
  bool offers_pipelining_ = false;
  unsigned long long max_size_ = 0;  // SIZE advertised; 0: none
};

SmtpConnection::SmtpConnection(SmtpEndpoint endpoint)
    : impl_(std::make_unique<Impl>(std::move(endpoint))) {}

SmtpConnection::~SmtpConnection() = default;

SmtpStepResult SmtpConnection::Connect() {
  std::string step = "connect";
  return impl_->Step(step, [&] {
    const SmtpEndpoint& ep = impl_->endpoint_;
    impl_->ehlo_done_ = false;
    impl_->socket_.Connect(ep.host, ep.port, impl_->timeout());
    if (ep.port == ep.implicit_tls_port) {
      step = "TLS handshake";
      impl_->socket_.UpgradeToTls(ep.host, ep.tls, impl_->timeout());
    }
    step = "greeting";
    SmtpStepResult result = Impl::FromReply(impl_->ReadReply(), 220);
    if (!result.ok) impl_->socket_.Close();  // no service: 421 or 554 at the greeting
    return result;
  });
}

SmtpStepResult SmtpConnection::Ehlo() {
  return impl_->Step("EHLO", [&] {
    SmtpReply reply = impl_->Command("EHLO " + impl_->socket_.LocalAddressLiteral());
    if (reply.code == 250) {
      impl_->ParseCapabilities(reply);
      impl_->ehlo_done_ = true;
    }
    return Impl::FromReply(std::move(reply), 250);
  });
}

bool SmtpConnection::OffersStartTls() const { return impl_->offers_starttls_; }
bool SmtpConnection::OffersXoauth2() const { return impl_->offers_xoauth2_; }
bool SmtpConnection::OffersPipelining() const { return impl_->offers_pipelining_; }
bool SmtpConnection::IsTls() const { return impl_->socket_.IsTls(); }
bool SmtpConnection::IsOpen() const { return impl_->socket_.IsOpen(); }
bool SmtpConnection::IsQuiet() const {
  return impl_->socket_.IsOpen() && !impl_->socket_.HasUnaskedInput();
}

SmtpStepResult SmtpConnection::StartTls() {
  if (!IsOpen()) return Failure("STARTTLS", "not connected");
  if (IsTls()) return Failure("STARTTLS", "the connection already uses TLS");
  if (!impl_->ehlo_done_ || !impl_->offers_starttls_) {
    return Failure("STARTTLS", "the server does not offer STARTTLS");
  }
  std::string step = "STARTTLS";
  SmtpStepResult started = impl_->Step(step, [&] {
    SmtpStepResult result = Impl::FromReply(impl_->Command("STARTTLS"), 220);
    if (result.ok) {
      step = "TLS handshake";
      impl_->socket_.UpgradeToTls(impl_->endpoint_.host, impl_->endpoint_.tls, impl_->timeout());
      impl_->ehlo_done_ = false;
      impl_->offers_starttls_ = false;
      impl_->offers_xoauth2_ = false;
      impl_->offers_pipelining_ = false;
    }
    return result;
  });
  if (!started.ok) return started;
  // RFC 3207: forget what was learnt before TLS and ask again.
  return Ehlo();
}

SmtpStepResult SmtpConnection::AuthXoauth2(const std::string& user,
                                           const std::string& access_token) {
  if (!IsOpen()) return Failure("AUTH XOAUTH2", "not connected");
  if (!IsTls())
    return Failure("AUTH XOAUTH2", "refusing to send a token over a connection without TLS");
  if (!IsSafeEnvelopeAddress(user))
    return Failure("AUTH XOAUTH2", "the user name is not a plain address");
  return impl_->Step("AUTH XOAUTH2", [&] {
    const std::string response = Xoauth2InitialResponse(user, access_token);
    const std::string one_line = "AUTH XOAUTH2 " + response;
    SmtpReply reply;
    if (one_line.size() + 2 <= kMaxCommandLine) {
      reply = impl_->Command(one_line);
    } else {
      reply = impl_->Command("AUTH XOAUTH2");
      if (reply.code != 334) return Impl::FromReply(std::move(reply), 235);
      reply = impl_->Command(response);
    }
    std::string challenge;
    if (reply.code == 334) {
      // An error challenge (base64 JSON); an empty line asks for the verdict.
      challenge = DecodeXoauth2Challenge(reply.text);
      reply = impl_->Command("");
    }
    SmtpStepResult result = Impl::FromReply(std::move(reply), 235);
    if (!result.ok && !challenge.empty()) result.error = "server's XOAUTH2 error: " + challenge;
    return result;
  });
}

SmtpStepResult SmtpConnection::SendMail(const std::string& envelope_from,
                                        const std::vector<std::string>& rcpts,
                                        const std::string& mime,
                                        std::vector<SmtpReply>* rcpt_replies) {
  if (rcpt_replies != nullptr) rcpt_replies->clear();
  if (!IsOpen()) return Failure("MAIL FROM", "not connected");
  if (rcpts.empty()) return Failure("MAIL FROM", "no recipients");
  if (!IsSafeEnvelopeAddress(envelope_from)) return Failure("MAIL FROM", "invalid envelope sender");
  for (const std::string& rcpt : rcpts) {
    if (!IsSafeEnvelopeAddress(rcpt)) return Failure("RCPT TO", "invalid recipient address");
  }
  bool started = false;
  bool data_sent = false;
  std::string step = "MAIL FROM";  // Step() names the stage reached when it fails
  SmtpStepResult result = impl_->Step(step, [&]() -> SmtpStepResult {
    const std::string payload = EncodeDataPayload(mime);
    std::string mail = "MAIL FROM:<" + envelope_from + ">";
    if (impl_->max_size_ > 0) mail += " SIZE=" + std::to_string(payload.size());
    // RFC 2920: one write for the whole group, replies read in order. DATA
    // joins it only for a single recipient: with more, one could be refused
    // while DATA is accepted, and a 354 cannot be taken back but by cutting
    // the connection, so DATA then waits for the RCPT replies.
    const bool pipelined = impl_->endpoint_.pipelining && impl_->offers_pipelining_;
    const bool data_in_group = pipelined && rcpts.size() == 1;
    if (pipelined) {
      std::string group = mail + "\r\n";
      for (const std::string& rcpt : rcpts) group += "RCPT TO:<" + rcpt + ">\r\n";
      if (data_in_group) group += "DATA\r\n";
      impl_->socket_.Send(group, impl_->timeout());
      impl_->socket_.AckPromptly();  // several replies come back, maybe one write each
    } else {
      impl_->socket_.Send(mail + "\r\n", impl_->timeout());
    }
    SmtpReply reply = impl_->ReadReply();
    if (reply.code != 250) {
      if (pipelined) impl_->FinishRefusedGroup(rcpts.size(), data_in_group);
      return Impl::FromReply(std::move(reply), 250);
    }
    started = true;

    step = "RCPT TO";
    const SmtpReply* refused = nullptr;
    std::vector<SmtpReply> replies;
    replies.reserve(rcpts.size());
    for (const std::string& rcpt : rcpts) {
      if (!pipelined) impl_->socket_.Send("RCPT TO:<" + rcpt + ">\r\n", impl_->timeout());
      replies.push_back(impl_->ReadReply());
      const SmtpReply& r = replies.back();
      if (!r.positive() && (refused == nullptr || (r.permanent() && !refused->permanent()))) {
        refused = &r;
      }
      if (!impl_->socket_.IsOpen()) break;
    }
    if (rcpt_replies != nullptr) *rcpt_replies = replies;
    // All or nothing: a message goes to every recipient or to none.
    if (refused != nullptr) {
      if (data_in_group) impl_->FinishRefusedGroup(0, true);
      return Impl::FromReply(*refused, 250);
    }

    step = "DATA";
    reply = data_in_group ? impl_->ReadReply() : impl_->Command("DATA");
    if (reply.code != 354) return Impl::FromReply(std::move(reply), 250);
    step = "end of DATA";
    impl_->socket_.Send(payload, impl_->timeout());
    data_sent = true;
    return Impl::FromReply(impl_->ReadReply(), 250);
  });
  if (result.connection_lost) {
    result.message_started = started;
    result.outcome_unknown = data_sent && result.reply.code == 0;
  }
  return result;
}

SmtpStepResult SmtpConnection::Reset() {
  if (!IsOpen()) return Failure("RSET", "not connected");
  return impl_->Step("RSET", [&] { return Impl::FromReply(impl_->Command("RSET"), 250); });
}

SmtpStepResult SmtpConnection::Quit() {
  if (!IsOpen()) return Failure("QUIT", "not connected");
  SmtpStepResult result =
      impl_->Step("QUIT", [&] { return Impl::FromReply(impl_->Command("QUIT"), 221); });
  // The server closes after 221; waiting for that keeps a new connection of
  // the same mailbox from overlapping this one on the server's count.
  if (result.ok) {
    impl_->socket_.WaitForClose(
        std::min<std::chrono::milliseconds>(impl_->timeout(), std::chrono::seconds(2)));
  }
  impl_->socket_.Close();
  return result;
}

}  // namespace m365
