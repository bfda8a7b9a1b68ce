#pragma once
// Turns what Microsoft answered into text an administrator can act on: the
// AADSTS codes of m365-facts.md section 1 and the SMTP AUTH replies of
// section 3, each with a portal path or PowerShell command. Branches on
// codes only, never on an AADSTS text; never puts a secret in its output.
#include <string>

#include "settings/m365_config.hpp"
#include "smtp/smtp_reply.hpp"
#include "token/jwt_claims.hpp"
#include "token/token_client.hpp"

namespace m365 {

// What went wrong and how to fix it.
struct Diagnosis {
  std::string message;     // what happened, e.g. "AADSTS7000215: Invalid client secret ..."
  std::string remedy;      // what to change; empty when nothing is wrong
  bool transient = false;  // worth retrying unchanged later (throttling, outages, network)
  int retry_after_s = 0;   // when transient and known
};

// A failed token request (response.ok == false): HTTP and transport errors,
// 429 with Retry-After, and each AADSTS code of facts section 1 (the first
// of `error_codes` that has a mapping wins; others get a generic remedy).
Diagnosis DiagnoseTokenFailure(const TokenResponse& response, const M365Config& config);

// The remedy Microsoft's AADSTS `code` calls for, "" when the code is not
// one of facts section 1. Exposed for tests and delivery-time reporting.
std::string RemedyForAadsts(long code, const M365Config& config);

// Checks a token's claims for SMTP: audience, tenant, app and the
// SMTP.SendAsApp role. Empty remedy when all is well; otherwise the first
// problem, explaining that Graph Mail.Send does not authorise SMTP.
// `graph_claims`, when known, are those of a Microsoft Graph token of the same
// app: their Mail.Send role, if present, is named as the likely mix-up.
Diagnosis DiagnoseClaims(const JwtClaims& claims, const M365Config& config,
                         const JwtClaims* graph_claims = nullptr);

// A refused AUTH XOAUTH2 (or a later 430 4.2.0): 535 5.7.3, 535 5.7.139 for
// the tenant or the mailbox, 430 4.2.0, 432 4.3.2, 421. For 535 5.7.3 all
// three causes are named and those the token's `claims` rule out are said
// so; `claims` may be nullptr when unknown.
Diagnosis DiagnoseAuthReply(const SmtpReply& reply, const M365Config& config,
                            const JwtClaims* claims);

// A refused message (MAIL, RCPT or end of DATA) with a remedy from facts
// section 3 where one applies (5.7.60 / 5.2.252 send-as, 5.2.0 quota, 430,
// 432, 421, 535); empty remedy otherwise.
Diagnosis DiagnoseSendReply(const SmtpReply& reply, const M365Config& config,
                            const JwtClaims* claims);

// What kind of TLS failure an error text describes (for remedies only).
enum class TlsFailure { kNone, kWrongName, kUntrusted, kOther };
TlsFailure ClassifyTlsError(const std::string& error);

// A connect / STARTTLS / TLS handshake failure of `step` ("connect", "tls").
Diagnosis DiagnoseSmtpTransport(const std::string& step, const std::string& error,
                                const SmtpReply& reply, const M365Config& config);

// Replaces every occurrence of each non-empty `secret` in `text` with "********".
std::string Redact(std::string text, const std::string& secret_a, const std::string& secret_b = "");

}  // namespace m365
