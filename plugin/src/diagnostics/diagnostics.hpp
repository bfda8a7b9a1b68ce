#pragma once
// Turns what Microsoft answered into a Status an administrator can act on:
// the AADSTS codes of the token endpoint and the SMTP replies of Exchange
// Online (docs/microsoft-365.md, Token endpoint and SMTP submission), each
// with its StatusCode and a remedy naming a portal path or a PowerShell
// command. Branches on codes only, never on an AADSTS text; never puts a
// secret in its output; does no I/O.
#include <string>

#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"
#include "smtp/smtp_reply.hpp"
#include "token/jwt_claims.hpp"
#include "token/token_client.hpp"

namespace m365 {

// Why a token request failed (response.ok == false), never OK:
//   - HTTP 429: kResourceExhausted, retry_after from Retry-After (60 s when
//     absent);
//   - no usable answer (the network, a proxy's page, a cut or oversized
//     body, a 5xx): kUnavailable; a refused certificate of the sign-in
//     server: kInvalidArgument, since ca_file, the authority override or the
//     host's CA store must change (docs/delivery.md gives up the batch as
//     rejected for it);
//   - an AADSTS code (the first of `error_codes` that has a mapping wins):
//     7000215, 7000222 kUnauthenticated; 700016, 90002, 500011 kNotFound;
//     900023, 9001023, 1002012, 70011, 7000218 kInvalidArgument; any other
//     kUnavailable for HTTP 5xx, kUnauthenticated for 401, kPermissionDenied
//     for 403, else kInvalidArgument, with a pointer to Microsoft's page.
// The message quotes Microsoft's description with the client secret redacted.
notify::sdk::Status DiagnoseTokenFailure(const TokenResponse& response, const M365Config& config);

// The remedy Microsoft's AADSTS `code` calls for, "" when the code has no
// mapping (see DiagnoseTokenFailure). Exposed for tests and delivery-time
// reporting.
std::string RemedyForAadsts(long code, const M365Config& config);

// "token for <aud>, tenant <tid>, app <appid>, roles: <roles>": what a
// token's claims say, for a passed check.
std::string DescribeClaims(const JwtClaims& claims);

// Checks a token's claims for SMTP: audience, app and the SMTP.SendAsApp
// role. OK when all is well; otherwise the first problem, its message
// DescribeClaims(claims): another audience or app kInvalidArgument (the cloud
// or Client ID setting), no SMTP.SendAsApp role kPermissionDenied, explaining
// that Graph Mail.Send does not authorise SMTP. `graph_claims`, when known,
// are those of a Microsoft Graph token of the same app: their Mail.Send
// role, if present, is named as the likely mix-up.
notify::sdk::Status DiagnoseClaims(const JwtClaims& claims, const M365Config& config,
                                   const JwtClaims* graph_claims = nullptr);

// A refused AUTH XOAUTH2 (or a later 430 4.2.0): StatusOfReply's code
// (smtp/reply_status.hpp) with a remedy for 535 5.7.3, 535 5.7.139 for the
// tenant or the mailbox, 430 4.2.0, 432 4.3.2, 421. For 535 5.7.3 all three
// causes are named and those the token's `claims` rule out are said so;
// `claims` may be nullptr when unknown. Never OK.
notify::sdk::Status DiagnoseAuthReply(const SmtpReply& reply, const M365Config& config,
                                      const JwtClaims* claims);

// A refused message (MAIL, RCPT or end of DATA): StatusOfReply's code with a
// remedy where one applies (5.7.60 / 5.2.252 send-as, 5.2.0 quota, 430, 432,
// 421, 535); empty remedy otherwise. Never OK.
notify::sdk::Status DiagnoseSendReply(const SmtpReply& reply, const M365Config& config,
                                      const JwtClaims* claims);

// What kind of TLS failure an error text describes (for remedies only).
enum class TlsFailure { kNone, kWrongName, kUntrusted, kOther };
TlsFailure ClassifyTlsError(const std::string& error);

// A failure of the SMTP dialogue at `step` (SmtpStepResult::step: "connect",
// "greeting", "TLS handshake", "EHLO", "STARTTLS", "AUTH XOAUTH2", "MAIL
// FROM", ...) that no refusal explains, or a refusal of the connection's
// early steps: a refused certificate kFailedPrecondition; a 4xx or 421
// StatusOfReply's transient code; a failed TLS handshake or STARTTLS that is
// not a stall kFailedPrecondition; an unreachable or silent server
// kUnavailable. The remedy fits the step: a silent AUTH is not blamed on
// TLS, a silent handshake not on EHLO. Never OK.
notify::sdk::Status DiagnoseSmtpTransport(const std::string& step, const std::string& error,
                                          const SmtpReply& reply, const M365Config& config);

// Replaces every occurrence of each non-empty `secret` in `text` with "********".
std::string Redact(std::string text, const std::string& secret_a, const std::string& secret_b = "");

}  // namespace m365
