#pragma once
// One SMTP submission connection to Exchange Online, driven step by step so
// that validation can report each step and delivery can reuse it:
// Connect (TCP + greeting, or implicit TLS on 465) -> Ehlo -> StartTls -> Ehlo
// -> AuthXoauth2 -> SendMail* -> Quit. Every read and write is bounded by the
// timeout, and a result names the step it ended in (SmtpStepResult::step), so
// a server that stops answering is reported at the step where it stopped.
// Secrets never appear in any error text.
#include <Poco/Net/Context.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "smtp/smtp_reply.hpp"

namespace m365 {

struct SmtpEndpoint {
  std::string host;  // the name certificates are checked against
  int port = 587;
  std::chrono::seconds timeout{120};
  Poco::Net::Context::Ptr tls;  // from MakeClientTlsContext
  // Use PIPELINING (RFC 2920) for MAIL, RCPT and DATA when the server offers
  // it; false keeps one command per round trip (tests cover both).
  bool pipelining = true;
  // The port on which TLS starts with the first byte (implicit TLS, RFC
  // 8314) instead of STARTTLS. 465 by convention; tests use their own port.
  int implicit_tls_port = 465;
};

// What one exchange did on the wire. `reply` is the server's reply when there
// was one. A record, not a verdict: what it means (which StatusCode, whether
// to retry) depends on the step and on what the caller does next, so the
// callers judge it: smtp_login for the login, delivery/delivery_plan for a
// message, diagnostics for the checks at Save, all through StatusOfReply
// (smtp/reply_status.hpp) for the reply.
struct [[nodiscard]] SmtpStepResult {
  bool ok = false;
  // The step of the dialogue the exchange ended in, the one that failed or
  // stalled when !ok: "connect" (DNS and TCP), "greeting" (the 220),
  // "TLS handshake", "EHLO", "STARTTLS", "AUTH XOAUTH2", "MAIL FROM", "RCPT
  // TO", "DATA", "end of DATA", "RSET" or "QUIT". `error` starts with it.
  std::string step;
  SmtpReply reply;
  bool timed_out = false;  // the step's deadline passed: the server stopped answering
  std::string error;  // when !ok and no reply explains it: "connection refused", "timed out after 5
                      // s", "certificate for wrong.example.test does not match localhost", ...
  bool connection_lost = false;  // the connection is unusable after this
  // SendMail only, when connection_lost: the server had accepted MAIL FROM
  // (the message was under way), and the end of DATA had been sent so the
  // server may have accepted the message (its outcome is unknown).
  bool message_started = false;
  bool outcome_unknown = false;
};

class SmtpConnection {
 public:
  explicit SmtpConnection(SmtpEndpoint endpoint);
  ~SmtpConnection();  // closes without QUIT if still open
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // TCP connect within the timeout and read the 220 greeting (port 465: TLS
  // handshake with host-name check first).
  SmtpStepResult Connect();
  // EHLO; afterwards OffersStartTls / OffersXoauth2 describe the capabilities.
  SmtpStepResult Ehlo();
  bool OffersStartTls() const;
  bool OffersXoauth2() const;
  bool OffersPipelining() const;
  bool IsTls() const;
  // STARTTLS, then the TLS handshake with certificate and host-name
  // verification (VERIFY_STRICT), completed within the timeout before
  // anything else is sent, then EHLO again.
  SmtpStepResult StartTls();
  // AUTH XOAUTH2 as `user`: one line while it fits in 512 bytes, else the
  // two-step form; a 334 error challenge is answered with an empty line and
  // the final reply is returned. Refuses (no bytes sent) when not on TLS.
  SmtpStepResult AuthXoauth2(const std::string& user, const std::string& access_token);
  // MAIL FROM, RCPT TO for each recipient, DATA with `mime` (dot-stuffed, CRLF
  // line endings), and the reply to the end of DATA. `rcpt_replies` gets one
  // reply per recipient (none when MAIL FROM was refused). All or nothing:
  // the body is sent only after MAIL FROM, every RCPT TO and DATA (354) were
  // accepted; otherwise the result is the refusal (the worst RCPT reply) and
  // the caller sends RSET. With PIPELINING offered (and endpoint.pipelining)
  // MAIL FROM, the RCPT TOs and, for a single recipient, DATA go in one write
  // and their replies are read in order (RFC 2920); a DATA answered 354
  // although no recipient was accepted gets a lone "." as the RFC asks.
  SmtpStepResult SendMail(const std::string& envelope_from, const std::vector<std::string>& rcpts,
                          const std::string& mime, std::vector<SmtpReply>* rcpt_replies = nullptr);
  // RSET after a refused transaction, so the connection can carry the next one.
  SmtpStepResult Reset();
  SmtpStepResult Quit();
  bool IsOpen() const;
  // Open, and the server sent nothing unasked since the last reply: a kept
  // connection that is still worth using (docs/delivery.md, Connections
  // kept between calls). Does not block.
  bool IsQuiet() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace m365
