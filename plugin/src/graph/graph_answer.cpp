// Graph answers to Statuses: branches on the HTTP status and Graph's error
// code (and, for ErrorAccessDenied, the one message that tells a scoped app
// from a missing permission), never on other text.
#include "graph/graph_answer.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <chrono>

#include "diagnostics/proxy_diagnosis.hpp"
#include "graph/graph_request.hpp"
#include "notify/sdk/settings.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;

std::string FirstLine(const std::string& text, std::size_t max) {
  std::string line = text.substr(0, text.find_first_of("\r\n"));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

std::string Quote(const GraphError& e) {
  if (e.code.empty()) return "";
  return ": " + e.code + (e.message.empty() ? "" : " \"" + e.message + "\"");
}

constexpr const char* kGrantMailSend =
    "In the Microsoft Entra admin center open App registrations > your app > API permissions > "
    "Add a permission > Microsoft Graph > Application permissions > Mail.Send, then press "
    "\"Grant admin consent\". A delegated permission does not work for a service.";

}  // namespace

GraphError ParseGraphError(const std::string& body) {
  GraphError e;
  if (body.empty() || body.size() > kMaxGraphAnswerBytes) return e;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return e;
    auto root = parsed.extract<Poco::JSON::Object::Ptr>();
    auto error = root->getObject("error");
    if (!error) return e;
    auto code = error->get("code");
    auto message = error->get("message");
    if (code.isString()) e.code = FirstLine(code.convert<std::string>(), 100);
    if (message.isString()) e.message = FirstLine(message.convert<std::string>(), 300);
  } catch (const Poco::Exception&) {
    return GraphError{};
  } catch (const std::exception&) {  // a conversion the parser's Var refused
    return GraphError{};
  }
  return e;
}

int ParseGraphRetryAfter(const std::string& value) {
  if (value.empty()) return 0;
  if (auto seconds = notify::sdk::ParseInteger(value)) {
    return static_cast<int>(std::clamp<long long>(*seconds, 0, 3600));
  }
  return 60;  // an HTTP date: wait a minute rather than parse clocks
}

Status StatusOfGraphAnswer(const HttpsAnswer& answer, const M365Config& c) {
  const std::string mailbox = c.from_email;
  if (answer.http_status == 0) {
    // The proxy's own refusals name the proxy, not Microsoft Graph.
    if (auto proxied = DiagnoseProxyFailure(
            {answer.proxy, c.https_proxy.source_name, answer.proxy_failure, answer.proxy_status},
            answer.transport_error, answer.certificate_problem, c.graph_url, c)) {
      return proxied->WithMessage("Microsoft Graph was not reached: " + proxied->message());
    }
    if (answer.certificate_problem) {
      return Status::FailedPrecondition(
          "Microsoft Graph was not reached: " + answer.transport_error,
          "The certificate must be valid for the Graph host and issued by a trusted CA. If a "
          "TLS-inspecting proxy is in between, add its CA in Extra trusted CA file (ca_file); "
          "check Graph endpoint (graph_url) when it is overridden.");
    }
    if (answer.request_sent) {
      return Status::Unknown(
          "outcome unknown: the connection to Microsoft Graph was lost "
          "before its answer (" +
          answer.transport_error + "); the message may have been accepted");
    }
    return Status::Unavailable("not sent: " + answer.transport_error);
  }
  const int http = answer.http_status;
  if (http == 202) return Status::Ok();
  GraphError e = ParseGraphError(answer.body);
  const std::string said = "Microsoft Graph answered HTTP " + std::to_string(http) + Quote(e);
  const auto retry_after = std::chrono::seconds(ParseGraphRetryAfter(answer.retry_after));

  if (e.code == "MailboxNotEnabledForRESTAPI") {
    return Status::NotFound(
        said, "The mailbox " + mailbox +
                  " cannot be used through Microsoft Graph: it is unlicensed, soft-deleted, a "
                  "guest or on-premises. Give it an Exchange Online licence (Microsoft 365 "
                  "admin center > Users > Active users > Licenses) or use a mailbox that has "
                  "one as From Email.");
  }
  if (e.code == "ErrorMessageSizeExceeded" || http == 413) {
    return Status::InvalidArgument(
        said + "; the message is too large for the mailbox's limit",
        "Send smaller attachments, or raise the mailbox's MaxSendSize in Exchange Online "
        "(Set-Mailbox -MaxSendSize).");
  }
  switch (http) {
    case 400:
      if (e.code == "ErrorInvalidRecipients") {
        return Status::InvalidArgument(said, "Check the recipient addresses of the message.");
      }
      if (e.code == "ErrorMimeContentInvalidBase64String") {
        return Status::InvalidArgument(
            said, "The plugin sent a body Graph could not decode; report it with the host's log.");
      }
      return Status::InvalidArgument(said, "Check the message's addresses and headers.");
    case 401:
      return Status::Unauthenticated(
          said + "; the token was refused",
          "Check National cloud (cloud) and Graph endpoint (graph_url): the token must be "
          "issued for the same cloud's Microsoft Graph. If they are right, check that the "
          "app's secret is still valid (Certificates & secrets).");
    case 403:
      if (e.code == "ErrorSendAsDenied") {
        return Status::PermissionDenied(
            said + "; the app may not send as " + mailbox,
            "Send from the mailbox itself, or grant it SendAs in Exchange Online "
            "(Add-RecipientPermission -Identity <address> -Trustee " +
                mailbox + " -AccessRights SendAs).");
      }
      if (e.message.find("Access to OData is disabled") != std::string::npos) {
        return Status::PermissionDenied(
            said + "; the app is scoped away from " + mailbox,
            "An Application Access Policy or an RBAC for Applications scope excludes this "
            "mailbox. In Exchange Online PowerShell check with Test-ApplicationAccessPolicy "
            "-Identity " +
                mailbox + " -AppId " + c.client_id +
                " (or Test-ServicePrincipalAuthorization -Identity <app> -Resource " + mailbox +
                "), then add the mailbox to the policy's group or the role assignment's scope. "
                "Policy changes can take over an hour to apply.");
      }
      return Status::PermissionDenied(said + "; the app may not send mail through Graph",
                                      kGrantMailSend);
    case 404:
      return Status::NotFound(said + "; no mailbox " + mailbox + " in this tenant",
                              "Check From Email: it must be a mailbox of the tenant "
                              "(Exchange admin center > Recipients > Mailboxes), and Tenant ID "
                              "must be that tenant's.");
    case 429:
      return Status::ResourceExhausted(said + "; throttled", "", retry_after);
    default:
      break;
  }
  if (http >= 500) return Status::Unavailable(said, "", retry_after);
  return Status::Unavailable(said);
}

Status LargeMessageRefusal(std::size_t mime_bytes, bool has_read_write) {
  const auto mb = [](std::size_t bytes) {
    return std::to_string((bytes + 1024 * 1024 - 1) / (1024 * 1024)) + " MB";
  };
  std::string message = "the message is " + mb(mime_bytes) +
                        " as MIME; Microsoft Graph takes at most " + mb(kMaxGraphRequestBytes) +
                        " per request (about 3 MB of attachments), so it was not sent";
  if (has_read_write) {
    return Status::InvalidArgument(
        message +
            "; even without its attachments it exceeds one request, so no draft can be "
            "made",
        "Shorten the message's body, or send it through SMTP, which takes up to 35 MB (grant "
        "Office 365 Exchange Online SMTP.SendAsApp; Sending route smtp or auto).");
  }
  return Status::InvalidArgument(
      message,
      "Grant the app Microsoft Graph Mail.ReadWrite (application permission, \"Grant admin "
      "consent\"), which large messages need besides Mail.Send, or use the SMTP route, which "
      "takes up to 35 MB (Office 365 Exchange Online SMTP.SendAsApp, Sending route smtp or "
      "auto).");
}

bool FreshTokenMayHelp(const HttpsAnswer& answer) {
  if (answer.http_status == 401) return true;
  if (answer.http_status != 403) return false;
  GraphError e = ParseGraphError(answer.body);
  return e.code == "ErrorAccessDenied" &&
         e.message.find("Access to OData is disabled") == std::string::npos;
}

bool RefusesEveryMessage(const Status& status) {
  using notify::sdk::StatusCode;
  switch (status.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

}  // namespace m365
