#pragma once
// Which route a sender takes (docs/channel-settings.md, Sending route):
// `transport` = smtp or graph as set; auto from the tokens' roles: SMTP when
// the Exchange Online token carries SMTP.SendAsApp, else Microsoft Graph
// sendMail when a Graph token carries Mail.Send, else neither, with a remedy
// that names both routes, the Graph one first (it needs the fewest steps).
#include <string>

#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"
#include "token/jwt_claims.hpp"
#include "token/token_source.hpp"

namespace m365 {

// The roles each route needs.
inline constexpr const char* kSmtpRole = "SMTP.SendAsApp";
inline constexpr const char* kGraphSendRole = "Mail.Send";
// The role that large messages (draft + upload sessions) also need.
inline constexpr const char* kGraphReadWriteRole = "Mail.ReadWrite";

struct RouteChoice {
  Transport route = Transport::kSmtp;  // kSmtp or kGraph, never kAuto
  // "route: Microsoft Graph sendMail, because ...", shown at Save and logged
  // when a sender decides.
  std::string because;
};

// Decides for `setting` from the claims of the app's tokens. `exchange` and
// `graph` may be nullptr: not requested, or not decodable (an undecodable
// Exchange token keeps the SMTP route, as before routes existed). Error
// (kPermissionDenied) when auto finds neither role.
notify::sdk::StatusOr<RouteChoice> DecideRoute(Transport setting, const JwtClaims* exchange,
                                               const JwtClaims* graph);

// DecideRoute with the tokens fetched as needed: none for smtp or graph; for
// auto the Exchange Online token, and the Graph token only when the first
// lacks SMTP.SendAsApp. A token failure is returned as is.
notify::sdk::StatusOr<RouteChoice> ChooseRoute(Transport setting, TokenSource& exchange,
                                               TokenSource& graph);

// Checks a Graph token's claims for sendMail: the cloud's Graph audience,
// this app, and the Mail.Send role. OK, or the first problem with a remedy:
// another audience or app kInvalidArgument, no Mail.Send kPermissionDenied.
notify::sdk::Status DiagnoseGraphClaims(const JwtClaims& claims, const M365Config& config);

}  // namespace m365
