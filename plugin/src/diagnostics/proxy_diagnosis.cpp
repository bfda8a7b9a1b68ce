// Proxy failures to remedies (docs/channel-settings.md, HTTPS proxy).
#include "diagnostics/proxy_diagnosis.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;

std::string HostPort(const std::string& url) {
  std::string host, path;
  int port = 443;
  if (!SplitHttpsUrl(url, &host, &port, &path)) return url;
  return host + ":" + std::to_string(port);
}

std::string SourceOf(const ProxyOutcome& p) {
  return p.source_name.empty() ? std::string("the proxy setting") : p.source_name;
}

}  // namespace

std::string HostsThroughProxy(const M365Config& c) {
  std::string hosts = HostPort(c.authority_url) + " (sign-in)";
  if (c.transport != Transport::kSmtp)
    hosts += " and " + HostPort(c.graph_url) + " (Microsoft Graph)";
  return hosts;
}

std::optional<Status> DiagnoseProxyFailure(const ProxyOutcome& p, const std::string& error,
                                           bool certificate_problem, const std::string& target_url,
                                           const M365Config& c) {
  const std::string proxy = p.proxy;
  const std::string target_host = HostPort(target_url);
  const bool from_environment = c.https_proxy.source == ProxySource::kEnvironment;
  switch (p.failure) {
    case ProxyFailure::kNone:
      break;
    case ProxyFailure::kUnusable:
      return Status::FailedPrecondition(
          error, from_environment || c.https_proxy.source == ProxySource::kNone
                     ? "Correct or unset that variable in the host's environment, or set HTTPS "
                       "proxy (https_proxy) to http://host:port."
                     : "Set HTTPS proxy (https_proxy) to http://host:port.");
    case ProxyFailure::kUnreachable:
      return Status::Unavailable(
          error, "The HTTPS proxy " + proxy + " (" + SourceOf(p) +
                     ") did not answer; Microsoft was not contacted. Check the proxy's host and "
                     "port, that the proxy runs, and that the firewall lets this host connect "
                     "to it.");
    case ProxyFailure::kAuthentication: {
      const bool has_user = c.https_proxy.proxy && !c.https_proxy.proxy->user.empty();
      std::string remedy =
          has_user
              ? "The HTTPS proxy " + proxy + " refused the user name and password given (" +
                    SourceOf(p) + (from_environment ? ")" : ", with HTTPS proxy password)") +
                    ": check them with the proxy's administrators. The channel "
                    "authenticates with Basic only."
              : "The HTTPS proxy " + proxy + " wants a user name and password (407): " +
                    (from_environment ? "put them in the variable as http://user:password@" + proxy
                                      : "set HTTPS proxy to http://user@" + proxy +
                                            " and the password in HTTPS proxy password") +
                    ". The channel authenticates with Basic only.";
      return Status::FailedPrecondition(error, remedy);
    }
    case ProxyFailure::kForbidden:
      return Status::FailedPrecondition(
          error, "The HTTPS proxy " + proxy + "'s policy does not allow a tunnel to " +
                     target_host + ". Ask its administrators to allow CONNECT to " + target_host +
                     " (the channel needs " + HostsThroughProxy(c) + ")" +
                     (from_environment ? ", or add " + target_host +
                                             " to NO_PROXY if this host may reach it directly"
                                       : "") +
                     ".");
    case ProxyFailure::kRefused:
      return Status::Unavailable(
          error, "The HTTPS proxy " + proxy + " could not open the tunnel to " + target_host +
                     " (a 502 or 504 means the proxy itself cannot reach it): check the proxy's "
                     "DNS and outbound access, or try again later.");
    case ProxyFailure::kNotHttp:
      return Status::FailedPrecondition(
          error, proxy + " did not answer as an HTTP proxy: check the port (" + SourceOf(p) +
                     "); it must be the port of an HTTP proxy, such as 3128 or 8080, not a SOCKS "
                     "or TLS port.");
  }
  if (certificate_problem && !proxy.empty()) {
    return Status::FailedPrecondition(
        error + " (through the HTTPS proxy " + proxy + ")",
        "The HTTPS proxy " + proxy + " intercepts TLS: it re-signs " + target_host +
            "'s certificate with its own CA. Put that CA certificate (PEM) in Extra trusted CA "
            "file (ca_file), or have the proxy's administrators exempt " +
            HostsThroughProxy(c) + " from TLS inspection.");
  }
  return std::nullopt;
}

}  // namespace m365
