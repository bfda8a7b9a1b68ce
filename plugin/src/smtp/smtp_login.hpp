#pragma once
// Opens a submission connection that is ready to send: connect, EHLO,
// STARTTLS (mandatory; implicit TLS on port 465), EHLO, AUTH XOAUTH2 with a
// token from the TokenSource. No token is asked for before TLS is up, so a
// server without STARTTLS never sees one.
#include <string>

#include "smtp/smtp_connection.hpp"
#include "token/token_source.hpp"

namespace m365 {

struct LoginOutcome {
  enum class Failure {
    kNone,       // logged in
    kToken,      // no token: `error`, `permanent`, `retry_after_s` say why
    kServer,     // the server refused a step: `reply`
    kTransport,  // connect, TLS or the connection failed: `error`
  };
  Failure failure = Failure::kNone;
  SmtpReply reply;
  std::string error;       // what failed, naming the step; never a secret
  std::string remedy;      // for kToken: what the administrator should change
  bool permanent = false;  // trying again without a change will not help
  // Trying again within this batch will not help (no STARTTLS, a refused
  // certificate); later might, so the messages stay retry_later.
  bool not_now = false;
  int retry_after_s = 0;  // when known
  bool token_refreshed = false;

  bool ok() const { return failure == Failure::kNone; }
};

// Drives `connection` (Connect may be called again on it) up to a successful
// AUTH as `mailbox`. A 535 to a token from Get() triggers one
// TokenSource::Refresh and one more AUTH, on the same connection when it is
// still open, else on a new one.
LoginOutcome OpenAuthenticated(SmtpConnection& connection, const std::string& mailbox,
                               TokenSource& tokens);

}  // namespace m365
