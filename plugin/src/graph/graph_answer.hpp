#pragma once
// What Microsoft Graph's answers mean (docs/microsoft-365.md, Microsoft Graph
// sendMail; docs/delivery.md, Outcomes): the error body parsed, and each
// answer turned into a Status on the same scale as the SMTP route's, with a
// remedy naming the portal path or the PowerShell command. No I/O.
#include <string>

#include "net/https_connection.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// Graph's error body {"error":{"code":...,"message":...}}, read within
// kMaxGraphAnswerBytes; both empty when the body is not of that shape.
// `message` is cut to its first line of at most 300 characters.
struct GraphError {
  std::string code;     // e.g. "ErrorAccessDenied"
  std::string message;  // e.g. "Access to OData is disabled."
};
GraphError ParseGraphError(const std::string& body);

// Retry-After as Graph sends it: delta-seconds (clamped to 0..3600); an HTTP
// date or nonsense counts as 60 s; absent counts as 0.
int ParseGraphRetryAfter(const std::string& value);

// What `answer` to a sendMail (or a send of a draft) means, for `config`'s
// From mailbox:
//   - 202: OK;
//   - no answer: a refused certificate kFailedPrecondition; an answer lost
//     after the request was written kUnknown ("outcome unknown"); else
//     kUnavailable ("not sent");
//   - 400 ErrorInvalidRecipients, ErrorMimeContentInvalidBase64String, other
//     400s, 413 / ErrorMessageSizeExceeded: kInvalidArgument;
//   - 401: kUnauthenticated; 403 ErrorAccessDenied (no permission, or "Access
//     to OData is disabled.": an Application Access Policy or RBAC for
//     Applications scope), ErrorSendAsDenied: kPermissionDenied;
//   - 404 ErrorInvalidUser and MailboxNotEnabledForRESTAPI (any status):
//     kNotFound;
//   - 429: kResourceExhausted with the Retry-After; 5xx: kUnavailable with it;
//   - anything else: kUnavailable.
// The message quotes Graph's code and message (escaped by the caller's
// output); never a token.
notify::sdk::Status StatusOfGraphAnswer(const HttpsAnswer& answer, const M365Config& config);

// Why a message of `mime_bytes` is not sent on the Graph route: its sendMail
// body would exceed kMaxGraphRequestBytes and either the token lacks
// Mail.ReadWrite (`has_read_write` false: the remedy asks for it, or for the
// SMTP route, which takes up to 35 MB), or even its draft without
// attachments would not fit in one request. kInvalidArgument.
notify::sdk::Status LargeMessageRefusal(std::size_t mime_bytes, bool has_read_write);

// True when a new token may change `answer`: a 401, or a 403 ErrorAccessDenied
// for a missing permission (a token cached before Mail.Send was granted
// lacks the role). Not for an access policy's 403 ("Access to OData is
// disabled."), nor ErrorSendAsDenied: the token is not what they refuse. The
// route refreshes the token once for these (docs/delivery.md, Tokens).
bool FreshTokenMayHelp(const HttpsAnswer& answer);

// True when `status` (from StatusOfGraphAnswer) would be the same for every
// message of the mailbox: credentials, permission, the mailbox itself, a
// refused certificate. The route then gives up the rest of the batch with it.
bool RefusesEveryMessage(const notify::sdk::Status& status);

}  // namespace m365
