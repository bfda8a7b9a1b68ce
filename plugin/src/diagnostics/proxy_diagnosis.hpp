#pragma once
// Remedies for HTTPS requests that failed at or through the HTTPS proxy
// (docs/channel-settings.md, HTTPS proxy; docs/delivery.md, Outcomes): they
// name the proxy, not Microsoft, and the host the proxy must let through.
// No I/O; no text holds the proxy's password.
#include <optional>
#include <string>

#include "net/https_connection.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// The Status of a request to `target_url` (https://host[:port]...) that failed because of the
// proxy, nullopt when the proxy is not the cause (a direct request, or an answer of the server
// itself). `error` is the transport error text; `certificate_problem` says the server's certificate
// was refused inside the tunnel, which through a proxy means TLS interception. Codes:
//   - unreachable proxy, a proxy that could not reach the host (502 ...):
//     kUnavailable (transient);
//   - 407, 403, interception, an unusable proxy setting, a port that does
//     not speak HTTP: kFailedPrecondition (the messages wait for the
//     administrator; the sender's health turns failing).
std::optional<notify::sdk::Status> DiagnoseProxyFailure(const ProxyOutcome& proxy,
                                                        const std::string& error,
                                                        bool certificate_problem,
                                                        const std::string& target_url,
                                                        const M365Config& config);

// The hosts the channel's HTTPS goes to ("login.microsoftonline.com:443 (sign-in)
// and graph.microsoft.com:443 (Microsoft Graph)"), for remedies.
std::string HostsThroughProxy(const M365Config& config);

}  // namespace m365
