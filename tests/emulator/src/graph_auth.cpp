#include "graph_auth.hpp"

#include <algorithm>

#include "util.hpp"

namespace m365emu::detail {
namespace {

// Microsoft Graph's first-party application ID; tokens may carry it as aud.
constexpr const char* kGraphAppId = "00000003-0000-0000-c000-000000000000";
constexpr std::int64_t kClockSkewSeconds = 300;

GraphFailure Unauthorized(const std::string& message) {
  return {401, "InvalidAuthenticationToken", message};
}

}  // namespace

GraphFailure VerifyGraphBearer(const State& state, const Config& config,
                               const std::string& authorization, GraphCaller* caller) {
  const std::string value = Trim(authorization);
  if (!StartsWithNoCase(value, "Bearer ") || Trim(value.substr(7)).empty())
    return Unauthorized("Access token is empty.");
  const std::string jwt = Trim(value.substr(7));
  if (jwt.find('.') == std::string::npos)
    return Unauthorized("IDX14100: JWT is not well formed, there are no dots (.).");
  auto token = state.signer().Verify(jwt);
  if (!token) return Unauthorized("Access token validation failure.");
  const std::int64_t now = NowUnix();
  if (token->expires_at <= now || token->not_before > now + kClockSkewSeconds)
    return Unauthorized("Access token has expired or is not yet valid.");
  const std::string& aud = token->audience;
  if (aud != config.graph_resource && aud != config.graph_resource + "/" && aud != kGraphAppId)
    return Unauthorized("Access token validation failure. Invalid audience.");
  const Tenant* tenant = nullptr;
  for (const auto& t : config.tenants)
    if (t.id == token->tenant_id) tenant = &t;
  if (!tenant || token->issuer != "https://sts.windows.net/" + token->tenant_id + "/")
    return Unauthorized("Access token validation failure. Invalid issuer.");
  caller->tenant = tenant;
  caller->client_id = ToLower(token->client_id);
  caller->roles = token->roles;
  caller->app = nullptr;
  for (const auto& a : tenant->apps)
    if (a.client_id == caller->client_id) caller->app = &a;
  return {};
}

GraphFailure RequireRole(const GraphCaller& caller, const std::string& role) {
  if (std::find(caller.roles.begin(), caller.roles.end(), role) != caller.roles.end()) return {};
  return {403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."};
}

GraphFailure ResolveMailbox(const GraphCaller& caller, const std::string& user,
                            const Mailbox** mailbox) {
  const std::string key = ToLower(user);
  *mailbox = nullptr;
  for (const auto& m : caller.tenant->mailboxes)
    if (m.address == key || (!m.user_id.empty() && m.user_id == key)) *mailbox = &m;
  if (!*mailbox) return {404, "ErrorInvalidUser", "The requested user '" + user + "' is invalid."};
  if (!(*mailbox)->rest_api_enabled) {
    // HTTP status [unconfirmed]; the text is the one seen in public logs.
    return {404, "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise."};
  }
  if (caller.app && caller.app->application_access_policy) {
    const auto& scope = *caller.app->application_access_policy;
    if (std::find(scope.begin(), scope.end(), (*mailbox)->address) == scope.end())
      return {403, "ErrorAccessDenied", "Access to OData is disabled."};
  }
  return {};
}

}  // namespace m365emu::detail
