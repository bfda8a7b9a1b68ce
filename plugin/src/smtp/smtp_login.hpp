#pragma once
// Opens a submission connection that is ready to send: connect, EHLO,
// STARTTLS (mandatory; implicit TLS on port 465), EHLO, AUTH XOAUTH2 with a
// token from the TokenSource (docs/delivery.md, Batches, chunks and
// connections). No token is asked for before TLS is up, so a server without
// STARTTLS never sees one.
#include <string>

#include "notify/sdk/status.hpp"
#include "smtp/smtp_connection.hpp"
#include "token/token_source.hpp"

namespace m365 {

// Drives `connection` (Connect may be called again on it) up to a successful
// AUTH as `mailbox`. A 535 to a token from Get() triggers one
// TokenSource::Refresh and one more AUTH, on the same connection when it is
// still open, else on a new one.
//
// Returns OK when logged in; otherwise why not, as a Status whose message
// names the step:
//   - the server refused a step (greeting, EHLO, STARTTLS, AUTH):
//     StatusOfReply's code (smtp/reply_status.hpp), with the reply;
//   - the connection failed (connect, a lost connection, a timeout at any
//     step, the TLS handshake's included): kUnavailable, the message naming
//     the step (SmtpStepResult::step);
//   - the server offers no STARTTLS, or the TLS handshake failed (a
//     certificate not trusted or not valid for the host): kFailedPrecondition,
//     since another connection within the batch would meet the same;
//   - the server offers no XOAUTH2 after TLS: kInvalidArgument (SMTP host does
//     not name Exchange Online);
//   - no token: "no access token: " and the TokenSource's message, remedy and
//     retry_after. A configuration error keeps its code; a transient failure
//     becomes kFailedPrecondition, since within the batch every connection
//     would get the same answer (the cache shares one request and honours
//     Retry-After).
// So: IsTransient() exactly when another connection attempt soon may fare
// better. The connection may be left open after a failure; the caller closes
// it.
notify::sdk::Status OpenAuthenticated(SmtpConnection& connection, const std::string& mailbox,
                                      TokenSource& tokens);

// The login's "no token" failure for the TokenSource's `why`, as
// OpenAuthenticated reports it: "no access token: " and the message; a
// configuration error keeps its code, a transient failure becomes
// kFailedPrecondition. For callers that ask for a token before connecting.
notify::sdk::Status NoAccessToken(const notify::sdk::Status& why);

}  // namespace m365
