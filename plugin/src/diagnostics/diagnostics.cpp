// Error -> code and remedy tables of docs/microsoft-365.md (Token endpoint,
// SMTP submission).
#include "diagnostics/diagnostics.hpp"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>

#include "diagnostics/proxy_diagnosis.hpp"
#include "smtp/reply_status.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;
using notify::sdk::StatusCode;

bool Contains(const std::string& haystack, const std::string& needle) {
  return Poco::toLower(haystack).find(Poco::toLower(needle)) != std::string::npos;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out.empty() ? "(none)" : out;
}

const char* kEntraApp =
    "Microsoft Entra admin center > Identity > Applications > App registrations";

std::string ServicePrincipalFix(const M365Config& c, const JwtClaims* claims) {
  std::string object_id = claims && !claims->object_id.empty()
                              ? claims->object_id
                              : "<Object ID from Enterprise applications>";
  return "New-ServicePrincipal -AppId " + c.client_id + " -ObjectId " + object_id +
         " (the object ID of the Enterprise application, not of the App registration)";
}

std::string MailboxFix(const M365Config& c, const JwtClaims* claims) {
  std::string object_id =
      claims && !claims->object_id.empty() ? claims->object_id : "<service principal ID>";
  return "Add-MailboxPermission -Identity " + c.from_email + " -User " + object_id +
         " -AccessRights FullAccess";
}

// The step names of SmtpStepResult::step (smtp/smtp_connection.hpp).
constexpr const char* kSmtpStepTlsHandshake = "TLS handshake";
constexpr const char* kSmtpStepStartTls = "STARTTLS";

// An error text of a step whose deadline passed (smtp/smtp_socket.cpp).
bool IsStall(const std::string& error) { return Contains(error, "timed out"); }

// What to do when the connection failed or went silent at `step` of the
// SMTP dialogue with no reply to explain it (docs/delivery.md, How long one
// Deliver call can take): each remedy points at what that step involves.
std::string RemedyForStep(const std::string& step, const std::string& where) {
  if (step == "connect") {
    return "Check SMTP host and Port (Exchange Online: smtp.office365.com, 587) and that the "
           "firewall allows outbound TCP to " +
           where + ".";
  }
  if (step == "greeting") {
    return "The server at " + where +
           " took the connection but sent no greeting (220): check that Port is the SMTP "
           "submission port (587 for Exchange Online) and that no firewall or proxy holds the "
           "connection.";
  }
  if (step == "EHLO") {
    return "The server at " + where +
           " stopped answering after its greeting (EHLO): a firewall or antivirus that "
           "inspects SMTP may hold the session; exempt this host from it, or try again later.";
  }
  if (step == kSmtpStepStartTls) {
    return "The server at " + where +
           " did not answer STARTTLS: a firewall or antivirus that inspects SMTP may block it; "
           "exempt this host from it.";
  }
  if (step == "AUTH XOAUTH2") {
    return "TLS was up and the server did not answer the login (AUTH XOAUTH2) in time: most "
           "often a passing delay at Exchange Online. Try again later; if it persists, check "
           "the service health in the Microsoft 365 admin center.";
  }
  if (step == "MAIL FROM" || step == "RCPT TO" || step == "DATA" || step == "end of DATA") {
    return "The server at " + where + " stopped answering during the message (" + step +
           "): try again later; if it persists, check the service health in the Microsoft "
           "365 admin center.";
  }
  return "The TLS session with " + where +
         " failed: check SMTP host and Port, TLS 1.2 support and any device that intercepts "
         "TLS.";
}

}  // namespace

std::string Redact(std::string text, const std::string& secret_a, const std::string& secret_b) {
  for (const std::string* secret : {&secret_a, &secret_b}) {
    if (secret->empty()) continue;
    for (auto pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos)) {
      text.replace(pos, secret->size(), "********");
      pos += 8;
    }
  }
  return text;
}

namespace {

// " (thumbprint <SHA-1>, x5t#S256 <value>)" of the certificate in use, or "".
std::string CertificateNamed(const M365Config& c) {
  if (!c.certificate) return "";
  return " (thumbprint " + c.certificate->facts().sha1_thumbprint + ", sent as x5t#S256 " +
         c.certificate->facts().x5t_s256 + ")";
}

// What AADSTS `code` means (docs/microsoft-365.md, Token endpoint): its
// StatusCode and remedy, nullopt when the code has no mapping.
std::optional<Status> ForAadsts(long code, const std::string& message, const M365Config& c) {
  auto is = [&](StatusCode status, std::string remedy) {
    return std::optional<Status>(Status(status, message, std::move(remedy)));
  };
  switch (code) {
    case 7000215:
      return is(
          StatusCode::kUnauthenticated,
          std::string("The client secret is wrong; most often the secret's ID was pasted "
                      "instead of its Value. In the ") +
              kEntraApp +
              " > your app > Certificates & secrets, copy the \"Value\" column (not \"Secret "
              "ID\"). The Value is shown only once: if it is hidden, create a new client secret "
              "and paste its Value into Client Secret.");
    case 7000222:
      return is(StatusCode::kUnauthenticated,
                std::string("The client secret has expired. In the ") + kEntraApp +
                    " > your app > Certificates & secrets, choose \"New client secret\", paste "
                    "its Value into Client Secret and save again; then delete the expired "
                    "secret.");
    case 700016:
      return is(
          StatusCode::kNotFound,
          "No application with Client ID " + c.client_id + " exists in tenant " + c.tenant_id +
              ". Check three things on the app's Overview page in the Microsoft Entra admin "
              "center: Client ID = \"Application (client) ID\", Tenant ID = \"Directory (tenant) "
              "ID\" (the tenant the app is registered in), and the National cloud (an app "
              "registered in one cloud does not exist in another; now " +
              c.authority_url + ").");
    case 90002:
      return is(
          StatusCode::kNotFound,
          "Tenant " + c.tenant_id + " was not found at " + c.authority_url +
              ". Check Tenant ID (\"Directory (tenant) ID\" on the app's Overview page, or a "
              "verified domain of the tenant) and the National cloud setting: GCC High and DoD "
              "tenants sign in at login.microsoftonline.us (usgov, usgov-dod), 21Vianet tenants "
              "at login.partner.microsoftonline.cn (china).");
    case 900023:
      return is(StatusCode::kInvalidArgument,
                "Tenant ID must be the \"Directory (tenant) ID\" GUID from the app's Overview page "
                "or a verified domain such as contoso.onmicrosoft.com.");
    case 9001023:
      return is(StatusCode::kInvalidArgument,
                "App-only sign-in needs your own tenant: enter the \"Directory (tenant) ID\" from "
                "the app's Overview page instead of common, organizations or consumers.");
    case 1002012:
    case 70011:
      return is(StatusCode::kInvalidArgument,
                "Microsoft refused the scope " + c.scope +
                    ". The scope follows the National cloud setting: choose the cloud the tenant "
                    "lives in (global uses https://outlook.office365.com/.default).");
    case 7000218:
      return is(StatusCode::kInvalidArgument,
                c.certificate_credential
                    ? "No client assertion reached Microsoft: check certificate_file."
                    : "No client secret reached Microsoft: enter the secret's Value in Client "
                      "Secret.");
    case 700027:
      return is(StatusCode::kUnauthenticated,
                "Microsoft did not accept the certificate this host signed with" +
                    CertificateNamed(c) + ". In the " + kEntraApp +
                    " > your app > Certificates & secrets > Certificates, compare the "
                    "\"Thumbprint\" column with it: upload this certificate (the .crt or .pem "
                    "without the key) if it is missing, or point certificate_file at the file of "
                    "the certificate that is listed there. A certificate that has expired in the "
                    "portal is refused too.");
    case 1000502:
      return is(StatusCode::kUnauthenticated,
                "The certificate" + CertificateNamed(c) +
                    " is outside its validity period. Create a new certificate and key, upload "
                    "the certificate under " +
                    kEntraApp +
                    " > your app > Certificates & secrets > Certificates, point "
                    "certificate_file at the new PEM file and Save again.");
    case 500011:
      return is(
          StatusCode::kNotFound,
          "Exchange Online (" + c.expected_audience +
              ") is not available in this tenant: the tenant needs an Exchange Online licence "
              "(Microsoft 365 admin center > Billing > Your products), or the National cloud "
              "setting is wrong.");
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string RemedyForAadsts(long code, const M365Config& c) {
  std::optional<Status> known = ForAadsts(code, "", c);
  return known ? known->remedy() : "";
}

Status DiagnoseTokenFailure(const TokenResponse& r, const M365Config& c) {
  const std::string where = c.authority_url + "/" + c.tenant_id + "/oauth2/v2.0/token";
  if (r.http_status == 429) {
    const int wait = r.retry_after_s > 0 ? r.retry_after_s : 60;
    return Status::ResourceExhausted(
        "Microsoft is throttling token requests (HTTP 429, Retry-After " + std::to_string(wait) +
            " s)",
        "Wait " + std::to_string(wait) +
            " seconds and try again; tokens are cached, so this clears by itself.",
        std::chrono::seconds(wait));
  }
  if (r.http_status == 0) {
    // The proxy's own refusals name the proxy, not Microsoft.
    if (auto proxied = DiagnoseProxyFailure(r.proxy, r.transport_error, r.certificate_problem,
                                            c.authority_url, c)) {
      return *proxied;
    }
  }
  if (r.http_status == 0 || !r.transport_error.empty()) {
    std::string message = r.transport_error.empty() ? "no answer from " + where : r.transport_error;
    if (r.certificate_problem) {
      // Not transient: no retry helps before a setting or the CA store changes.
      return Status::InvalidArgument(
          message,
          "The sign-in server's certificate was refused. If a TLS-inspecting proxy sits "
          "between this host and " +
              c.authority_url +
              ", put its CA certificate (PEM) in ca_file; otherwise update the system's CA "
              "certificates. A Token authority override must name the certificate's host.");
    }
    // An answer that is not Entra ID's (a proxy's HTML page, a cut or
    // oversized body) says nothing about the messages: retry them later
    // rather than reject them for good.
    if (r.http_status >= 500) {
      return Status::Unavailable(message,
                                 "Microsoft's sign-in service had a problem; try again later.");
    }
    if (r.http_status != 0) {
      return Status::Unavailable(
          message, "Something other than Microsoft Entra ID answered at " + where +
                       ": leave Token authority empty, or check the proxy between this host "
                       "and it.");
    }
    return Status::Unavailable(message, "Check that this host can reach " + c.authority_url +
                                            " over HTTPS (port 443): DNS, firewall and proxy.");
  }
  std::string codes;
  for (long code : r.error_codes)
    codes += (codes.empty() ? "AADSTS" : ", AADSTS") + std::to_string(code);
  std::string message = !r.description.empty()
                            ? r.description
                            : (codes.empty() ? r.error : codes + " (" + r.error + ")");
  message += " (HTTP " + std::to_string(r.http_status) + ")";
  message = Redact(message, c.client_secret);
  for (long code : r.error_codes) {
    if (code != 700024) continue;
    // Clock skew: say which time this host put into the assertion.
    std::string local = r.assertion_time ? FormatUtc(*r.assertion_time) : "unknown";
    return Status::Unauthenticated(
        message,
        "Microsoft found the client assertion outside its valid time range. This host dated it " +
            local +
            "; if that is not the current time, correct the host's clock (timedatectl; enable "
            "NTP) and Save again.");
  }
  for (long code : r.error_codes) {
    if (std::optional<Status> known = ForAadsts(code, message, c)) return *known;
  }
  long code = r.error_codes.empty() ? 0 : r.error_codes.front();
  std::string remedy =
      code != 0 ? "Microsoft refused the token request with AADSTS" + std::to_string(code) +
                      "; see https://login.microsoftonline.com/error?code=" + std::to_string(code) +
                      " for its fix."
                : "Microsoft refused the token request; check Client ID, Client Secret "
                  "and Tenant ID.";
  if (r.http_status >= 500) return Status::Unavailable(message, remedy);
  if (r.http_status == 401) return Status::Unauthenticated(message, remedy);
  if (r.http_status == 403) return Status::PermissionDenied(message, remedy);
  return Status::InvalidArgument(message, remedy);
}

std::string DescribeClaims(const JwtClaims& claims) {
  return "token for " + Join(claims.audiences) + ", tenant " + claims.tenant_id + ", app " +
         claims.app_id + ", roles: " + Join(claims.roles);
}

Status DiagnoseClaims(const JwtClaims& claims, const M365Config& c, const JwtClaims* graph_claims) {
  std::string message = DescribeClaims(claims);
  if (!claims.HasAudience(c.expected_audience)) {
    return Status::InvalidArgument(
        message, "The token is not for Exchange Online (" + c.expected_audience +
                     "). Check the National cloud setting and the Token authority override.");
  }
  if (!c.client_id.empty() && !claims.app_id.empty() &&
      Poco::icompare(claims.app_id, c.client_id) != 0) {
    return Status::InvalidArgument(
        message, "The token was issued to another app (" + claims.app_id + "): check Client ID.");
  }
  if (claims.HasRole("SMTP.SendAsApp")) return Status::Ok();
  std::string mixup;
  if (graph_claims != nullptr && graph_claims->HasRole("Mail.Send")) {
    message += "; the app has Microsoft Graph Mail.Send instead";
    mixup =
        "The app was granted Microsoft Graph Mail.Send, which is for Graph's sendMail, "
        "not for SMTP. ";
  }
  return Status::PermissionDenied(
      message,
      mixup +
          "The token carries no SMTP.SendAsApp role, so Exchange Online would refuse the "
          "login (535 5.7.3). In the " +
          kEntraApp +
          " > your app > API permissions: Add a permission > APIs my organization uses > "
          "\"Office 365 Exchange Online\" > Application permissions > SMTP.SendAsApp, then "
          "\"Grant admin consent\". Microsoft Graph Mail.Send does not authorise SMTP, and "
          "delegated permissions do not count for app-only sign-in.");
}

namespace {

// StatusOfReply, or kUnavailable "no reply" when there was none.
Status OfReply(const SmtpReply& reply, std::string message) {
  return reply.code == 0 ? Status::Unavailable(std::move(message))
                         : StatusOfReply(reply, std::move(message));
}

}  // namespace

Status DiagnoseAuthReply(const SmtpReply& reply, const M365Config& c, const JwtClaims* claims) {
  Status status = OfReply(reply, reply.ToString());
  const std::string& e = reply.enhanced;
  if (reply.code == 535 && e == "5.7.139") {
    // Same code for both switches; only the text says which (docs/microsoft-365.md).
    bool mailbox = Contains(reply.text, "mailbox");
    bool tenant = Contains(reply.text, "tenant");
    std::string mailbox_fix =
        "Set-CASMailbox -Identity " + c.from_email + " -SmtpClientAuthenticationDisabled $false";
    std::string tenant_fix = "Set-TransportConfig -SmtpClientAuthenticationDisabled $false";
    if (mailbox && !tenant) {
      return status.WithRemedy(
          "SMTP AUTH is disabled for the mailbox " + c.from_email +
          " (this blocks OAuth too). In Exchange Online PowerShell run: " + mailbox_fix +
          " (or Microsoft 365 admin center > Users > Active users > the "
          "user > Mail > Manage email apps > Authenticated SMTP).");
    }
    if (tenant && !mailbox) {
      return status.WithRemedy(
          "SMTP AUTH is disabled for the whole tenant (this blocks OAuth too). In "
          "Exchange Online PowerShell run: " +
          tenant_fix + ", or enable it for this mailbox only: " + mailbox_fix + ".");
    }
    return status.WithRemedy("SMTP AUTH is disabled for the tenant or the mailbox. Run " +
                             tenant_fix + ", or " + mailbox_fix + ".");
  }
  if (reply.code == 535) {
    bool role_ok = claims != nullptr && claims->HasRole("SMTP.SendAsApp");
    std::string causes =
        "Exchange Online refused the app's login as " + c.from_email +
        ". It has three causes: (1) the token lacks the SMTP.SendAsApp role; (2) the service "
        "principal is not registered in Exchange Online; (3) the app has no permission on the "
        "mailbox. ";
    if (role_ok) {
      causes += "The token carries SMTP.SendAsApp, which rules out (1). ";
    } else if (claims != nullptr) {
      causes +=
          "The token has no SMTP.SendAsApp role, so (1) applies: add the Office 365 "
          "Exchange Online application permission SMTP.SendAsApp and grant admin consent. ";
    }
    return status.WithRemedy(
        causes + "For (2) run in Exchange Online PowerShell: " + ServicePrincipalFix(c, claims) +
        ". For (3): " + MailboxFix(c, claims) + ". Changes can take up to 30 minutes to apply.");
  }
  if (reply.code == 430) {
    return status.WithRemedy("The app has no access to the mailbox " + c.from_email +
                             ". In Exchange Online PowerShell run: " + MailboxFix(c, claims) + ".");
  }
  if (reply.code == 432) {
    return status.WithRemedy(
        "More than 3 connections for this mailbox are open; this is transient: try again when "
        "other senders are done.");
  }
  if (reply.code == 421 || reply.transient()) {
    return status.WithRemedy("Exchange Online is temporarily unavailable; try again later.");
  }
  if (reply.code == 504 || reply.code == 502) {
    return status.WithRemedy(
        "The server does not accept AUTH XOAUTH2: check that SMTP host is Exchange "
        "Online (" +
        c.smtp_host + ") and that nothing rewrites the SMTP session.");
  }
  if (reply.code != 0) {
    return status.WithRemedy("Exchange Online refused the login; check the reply above.");
  }
  return status;
}

Status DiagnoseSendReply(const SmtpReply& reply, const M365Config& c, const JwtClaims* claims) {
  Status status = OfReply(reply, reply.ToString());
  const std::string& e = reply.enhanced;
  if (e == "5.7.60" || e == "5.2.252") {
    return status.WithRemedy(
        "Exchange Online lets the app send only as the authenticated mailbox " + c.from_email +
        ": send as that address, or grant it SendAs on the other "
        "address (Add-RecipientPermission -Identity <other address> -Trustee " +
        c.from_email + " -AccessRights SendAs).");
  }
  if (e == "5.2.0" && reply.code == 554) {
    return status.WithRemedy(
        "The mailbox exceeded 10,000 recipients in 24 hours; the limit is rolling, so "
        "wait, or spread notifications over more mailboxes.");
  }
  if (reply.code == 530) {
    return status.WithRemedy(
        "The server wanted a login before the message; this is a client bug, please "
        "report it.");
  }
  if (reply.code == 535 || reply.code == 430 || reply.code == 432 || reply.code == 421) {
    return DiagnoseAuthReply(reply, c, claims);
  }
  if (reply.transient()) {
    return status.WithRemedy("Exchange Online deferred the message; it is retried later.");
  }
  return status;
}

TlsFailure ClassifyTlsError(const std::string& error) {
  if (error.empty()) return TlsFailure::kNone;
  for (const char* name_hint : {"does not match", "not issued for", "host name", "hostname",
                                "name mismatch", "unacceptable certificate"}) {
    if (Contains(error, name_hint)) return TlsFailure::kWrongName;
  }
  for (const char* trust_hint : {"not trusted", "untrusted", "verify failed", "issuer",
                                 "self-signed", "self signed", "unknown ca", "expired"}) {
    if (Contains(error, trust_hint)) return TlsFailure::kUntrusted;
  }
  return Contains(error, "certificate") ? TlsFailure::kUntrusted : TlsFailure::kOther;
}

Status DiagnoseSmtpTransport(const std::string& step, const std::string& error,
                             const SmtpReply& reply, const M365Config& c) {
  const std::string where = c.smtp_host + ":" + std::to_string(c.port);
  std::string message = error.empty() ? reply.ToString() : error;
  switch (ClassifyTlsError(error)) {
    case TlsFailure::kWrongName:
      return Status::FailedPrecondition(
          message, "The certificate presented by " + where + " is not issued for " + c.smtp_host +
                       ". Set SMTP host to the name on the server's certificate "
                       "(smtp.office365.com for Exchange Online; never an IP address or an "
                       "alias), or remove the device that intercepts TLS.");
    case TlsFailure::kUntrusted:
      return Status::FailedPrecondition(
          message, "The certificate presented by " + where +
                       " is not trusted. If a TLS-inspecting proxy or firewall sits in between, "
                       "put its CA certificate (PEM) in ca_file; otherwise update the system's "
                       "CA certificates (ca-certificates package).");
    case TlsFailure::kNone:
    case TlsFailure::kOther:
      break;
  }
  if (reply.code == 421 || reply.transient()) {
    return StatusOfReply(reply, message)
        .WithRemedy("The server at " + where + " is temporarily unavailable; try again later.");
  }
  if (reply.code != 0) {
    // A refusal, not a stall: before TLS it is the wrong server or port;
    // from STARTTLS on, a TLS problem.
    bool early = step == "connect" || step == "greeting" || step == "EHLO";
    return StatusOfReply(reply, message)
        .WithRemedy(RemedyForStep(early ? "connect" : kSmtpStepTlsHandshake, where));
  }
  std::string remedy = RemedyForStep(step, where);
  // A STARTTLS or handshake failure that is not a stall (a protocol error, a
  // session cut by the server) would meet every attempt; a stall may pass.
  if ((step == kSmtpStepTlsHandshake || step == kSmtpStepStartTls || step == "tls") &&
      !IsStall(error)) {
    return Status::FailedPrecondition(message, remedy);
  }
  return Status::Unavailable(message, remedy);
}

}  // namespace m365
