// Microsoft Graph's checks of a bearer token and of the mailbox it is used on
// (docs/microsoft-365.md, Microsoft Graph sendMail): 401, 403, 404.
#pragma once

#include <string>
#include <vector>

#include "state.hpp"

namespace m365emu::detail {

// A Graph error to answer: HTTP status, `error.code` and `error.message`.
struct GraphFailure {
  int status = 0;  // 0: no failure
  std::string code;
  std::string message;
  explicit operator bool() const { return status != 0; }
};

struct GraphCaller {
  const Tenant* tenant = nullptr;
  std::string client_id;  // lower case
  std::vector<std::string> roles;
  const App* app = nullptr;  // nullptr: the app is not in the config any more
};

// Verifies `authorization` ("Bearer <jwt>"): signature by the emulator's key,
// exp/nbf, aud = the Graph resource, a known tenant with matching issuer.
// 401 InvalidAuthenticationToken otherwise.
GraphFailure VerifyGraphBearer(const State& state, const Config& config,
                               const std::string& authorization, GraphCaller* caller);

// 403 ErrorAccessDenied "Access is denied. ..." when `role` is not in the
// token (no application permission, or no admin consent).
GraphFailure RequireRole(const GraphCaller& caller, const std::string& role);

// The mailbox `user` (object ID or UPN) of the caller's tenant: 404
// ErrorInvalidUser, 404 MailboxNotEnabledForRESTAPI, or 403 ErrorAccessDenied
// "Access to OData is disabled." when an Application Access Policy scopes the
// app away from it.
GraphFailure ResolveMailbox(const GraphCaller& caller, const std::string& user,
                            const Mailbox** mailbox);

}  // namespace m365emu::detail
