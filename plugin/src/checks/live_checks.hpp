#pragma once
// The live checks run at Save (docs/channel-settings.md, Live checks at
// Save): token, claims, connect, EHLO with STARTTLS offered, TLS handshake,
// AUTH XOAUTH2, QUIT and an optional test message. Each step has an outcome,
// elapsed time, detail and remedy; the first failure stops the run and later
// steps are reported as skipped.
#include <Poco/Net/Context.h>

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/host_api/validation.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// Step names, stable for reports, JSON output and tests.
inline constexpr const char* kStepToken = "token";
inline constexpr const char* kStepClaims = "claims";
inline constexpr const char* kStepConnect = "connect";
inline constexpr const char* kStepStartTls = "starttls";  // EHLO, STARTTLS offered
inline constexpr const char* kStepTls = "tls";            // handshake + certificate checks
inline constexpr const char* kStepAuth = "auth";          // AUTH XOAUTH2 as from_email
inline constexpr const char* kStepQuit = "quit";
inline constexpr const char* kStepTestMessage = "test_message";

// Runs the live checks against Microsoft (or the configured overrides) with
// the TLS context `tls`, one step per name above, in that order. A test
// message goes to `test_recipient` only when it is not empty and every other
// step passed. Every network exchange of a step is bounded by
// config.timeout. No detail, remedy or log line contains the client secret,
// the access token or the XOAUTH2 response. A step that throws fails with
// "internal error: ..." and the later ones are skipped; nothing else throws
// but std::bad_alloc (the SDK's ChannelBase catches that).
// `clock` dates a certificate credential's client assertions.
std::vector<notify::CheckStep> RunLiveChecks(const M365Config& config, Poco::Net::Context::Ptr tls,
                                             const std::string& test_recipient,
                                             notify::HostContext& host,
                                             const Clock& clock = SteadyClock());

}  // namespace m365
