#pragma once
// The live checks of the Microsoft Graph route (docs/channel-settings.md,
// Live checks at Save): the Graph token, its claims, and the mailbox step.
// Each returns the detail of its passing or the Status of its failure, as the
// SMTP steps of live_checks.cpp do; the runner there records them.
#include <Poco/Net/Context.h>

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"
#include "token/jwt_claims.hpp"

namespace m365 {

// Step name of the mailbox step, stable for reports and tests.
inline constexpr const char* kStepMailbox = "mailbox";

// token: a client-credentials token for the cloud's Microsoft Graph scope,
// stored in `token`.
notify::sdk::StatusOr<std::string> CheckGraphToken(const M365Config& config,
                                                   const Poco::Net::Context::Ptr& tls,
                                                   const Clock& clock, std::string& token);

// claims: `token` is for Microsoft Graph, issued to this app, with Mail.Send
// (route/route_decision.hpp DiagnoseGraphClaims). `because` is the route
// decision to show first. An undecodable token passes unexplained.
notify::sdk::StatusOr<std::string> CheckGraphClaims(const M365Config& config,
                                                    const std::string& token,
                                                    const std::string& because);

// mailbox: Microsoft Graph has no check without side effects that the app may
// send as from_email, so with an empty `test_recipient` this says so and
// asks for a test message (the runner reports it as skipped when
// `*needs_test` is set); with one it sends the test message through sendMail
// once and reports Graph's answer.
notify::sdk::StatusOr<std::string> CheckGraphMailbox(const M365Config& config,
                                                     const Poco::Net::Context::Ptr& tls,
                                                     const std::string& token,
                                                     const std::string& test_recipient,
                                                     bool* needs_test);

// The step's detail when it cannot confirm anything without a test message.
std::string GraphMailboxUnconfirmed(const M365Config& config);

}  // namespace m365
