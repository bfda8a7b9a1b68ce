// The route decision: a pure function of the setting and the tokens' roles,
// plus the token fetching around it.
#include "route/route_decision.hpp"

#include <Poco/String.h>

#include <optional>

#include "diagnostics/diagnostics.hpp"

namespace m365 {

using notify::sdk::Status;
using notify::sdk::StatusOr;

namespace {

constexpr const char* kSmtpName = "Exchange Online SMTP";
constexpr const char* kGraphName = "Microsoft Graph sendMail";

std::string Route(const char* name, const std::string& why) {
  return std::string("route: ") + name + ", because " + why;
}

std::string RolesOf(const JwtClaims* claims) {
  if (claims == nullptr) return "not read";
  if (claims->roles.empty()) return "(none)";
  std::string out;
  for (const auto& r : claims->roles) out += (out.empty() ? "" : ", ") + r;
  return out;
}

}  // namespace

StatusOr<RouteChoice> DecideRoute(Transport setting, const JwtClaims* exchange,
                                  const JwtClaims* graph) {
  if (setting == Transport::kSmtp) {
    return RouteChoice{Transport::kSmtp, Route(kSmtpName, "Sending route (transport) is smtp")};
  }
  if (setting == Transport::kGraph) {
    return RouteChoice{Transport::kGraph, Route(kGraphName, "Sending route (transport) is graph")};
  }
  if (exchange == nullptr) {
    return RouteChoice{Transport::kSmtp,
                       Route(kSmtpName, "the Exchange Online token's roles cannot be read")};
  }
  if (exchange->HasRole(kSmtpRole)) {
    return RouteChoice{Transport::kSmtp,
                       Route(kSmtpName, "the Exchange Online token carries SMTP.SendAsApp")};
  }
  if (graph != nullptr && graph->HasRole(kGraphSendRole)) {
    return RouteChoice{Transport::kGraph,
                       Route(kGraphName,
                             "the app holds Microsoft Graph Mail.Send and not Office 365 "
                             "Exchange Online SMTP.SendAsApp")};
  }
  return Status::PermissionDenied(
      "the app holds neither Microsoft Graph Mail.Send nor Office 365 Exchange Online "
      "SMTP.SendAsApp (" +
          DescribeClaims(*exchange) + "; Microsoft Graph token roles: " + RolesOf(graph) + ")",
      "Grant the app one application permission, then \"Grant admin consent\" (Microsoft Entra "
      "admin center > App registrations > your app > API permissions > Add a permission). "
      "1. Microsoft Graph route (fewest steps): Microsoft Graph > Application permissions > "
      "Mail.Send; nothing else is needed. "
      "2. SMTP route: APIs my organization uses > Office 365 Exchange Online > Application "
      "permissions > SMTP.SendAsApp, then in Exchange Online PowerShell New-ServicePrincipal "
      "-AppId <Client ID> -ObjectId <Enterprise application's object ID> and "
      "Add-MailboxPermission -Identity <From Email> -User <that object ID> -AccessRights "
      "FullAccess. Delegated permissions do not count for a service.");
}

StatusOr<RouteChoice> ChooseRoute(Transport setting, TokenSource& exchange, TokenSource& graph) {
  if (setting != Transport::kAuto) return DecideRoute(setting, nullptr, nullptr);
  StatusOr<std::string> token = exchange.Get();
  if (!token.ok()) return token.status();
  StatusOr<JwtClaims> exchange_claims = DecodeJwtClaims(token.value());
  if (!exchange_claims.ok()) return DecideRoute(setting, nullptr, nullptr);
  if (exchange_claims->HasRole(kSmtpRole)) return DecideRoute(setting, &*exchange_claims, nullptr);
  StatusOr<std::string> graph_token = graph.Get();
  if (!graph_token.ok()) return graph_token.status();
  StatusOr<JwtClaims> graph_claims = DecodeJwtClaims(graph_token.value());
  return DecideRoute(setting, &*exchange_claims, graph_claims.ok() ? &*graph_claims : nullptr);
}

Status DiagnoseGraphClaims(const JwtClaims& claims, const M365Config& c) {
  std::string message = DescribeClaims(claims);
  if (!claims.HasAudience(c.graph_audience)) {
    return Status::InvalidArgument(
        message, "The token is not for Microsoft Graph (" + c.graph_audience +
                     "). Check the National cloud setting and the Token authority override.");
  }
  if (!c.client_id.empty() && !claims.app_id.empty() &&
      Poco::icompare(claims.app_id, c.client_id) != 0) {
    return Status::InvalidArgument(
        message, "The token was issued to another app (" + claims.app_id + "): check Client ID.");
  }
  if (claims.HasRole(kGraphSendRole)) return Status::Ok();
  return Status::PermissionDenied(
      message + "; no Mail.Send role, so Microsoft Graph would refuse sendMail (403)",
      "In the Microsoft Entra admin center open App registrations > your app > API permissions "
      "> Add a permission > Microsoft Graph > Application permissions > Mail.Send, then press "
      "\"Grant admin consent\". A delegated permission does not count for a service.");
}

}  // namespace m365
