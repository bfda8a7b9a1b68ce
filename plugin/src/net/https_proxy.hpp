#pragma once
// Which HTTP proxy the channel's HTTPS requests (token endpoint, Microsoft
// Graph) go through, as a CONNECT tunnel (docs/channel-settings.md, HTTPS
// proxy): the https_proxy setting, or when it is empty the environment's
// https_proxy / HTTPS_PROXY and no_proxy / NO_PROXY, read as curl reads them.
// The proxy's password is a secret: no text made here contains it.
#include <functional>
#include <optional>
#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

// One HTTP proxy: http://[user[:password]@]host[:port].
struct ProxyEndpoint {
  std::string host;  // a name, an IPv4 address or an IPv6 address without brackets
  int port = 0;
  std::string user;      // percent-decoded; empty: no Proxy-Authorization
  std::string password;  // percent-decoded; never logged, never in an error
  // "host:port" ("[v6]:port"), for errors and logs.
  std::string Where() const;
};

// Why a request through a proxy failed at the proxy, before any byte
// reached the server (docs/channel-settings.md, HTTPS proxy).
enum class ProxyFailure {
  kNone,
  kUnusable,        // the setting or the environment's variable cannot be used
  kUnreachable,     // no TCP connection to the proxy, or no answer to CONNECT in time
  kAuthentication,  // 407: the proxy wants credentials, or refused those given
  kForbidden,       // 403: the proxy's policy does not allow a tunnel to that host
  kRefused,         // another status (502: the proxy could not reach the host, ...)
  kNotHttp,         // the answer to CONNECT was not HTTP (not an HTTP proxy's port)
};

// Where the proxy came from, for remedies.
enum class ProxySource { kNone, kSetting, kEnvironment };

// The channel's proxy decision, made once per configuration.
struct HttpsProxy {
  ProxySource source = ProxySource::kNone;
  std::optional<ProxyEndpoint> proxy;
  // The environment's no_proxy / NO_PROXY list (only with kEnvironment).
  std::string no_proxy;
  // Why the environment's proxy variable cannot be used (an unsupported
  // scheme, no host): every HTTPS request then fails with it rather than
  // go around a proxy the administrator set. Never holds the password.
  std::string error;
  // "the https_proxy setting" / "the environment's HTTPS_PROXY" (the name
  // of the variable read), for remedies.
  std::string source_name;

  // The proxy for a request to `host`, nullptr for a direct connection
  // (no proxy, or `host` matches no_proxy).
  const ProxyEndpoint* For(const std::string& host) const;
};

// Parses a proxy URL. `scheme_optional`: a URL without "scheme://" is taken
// as http:// (the environment, as curl does); otherwise the scheme is
// required. Only http:// is supported (a CONNECT tunnel to an HTTP proxy);
// https://, socks4/5 and others are refused. A missing port is 1080 (curl's
// default) when `scheme_optional`, an error otherwise. user and password are
// percent-decoded. Error messages never quote the URL (it may hold a
// password), only its scheme or host.
notify::sdk::StatusOr<ProxyEndpoint> ParseProxyUrl(const std::string& url, bool scheme_optional);

// True when `host` is exempt by the no_proxy `list` (docs/channel-settings.md,
// HTTPS proxy, the rules curl 7.86+ applies): entries separated by commas
// or white space; "*" alone exempts every host; a host name matches an
// entry equal to it or ending in "." + entry, case-insensitive, a leading
// dot of the entry ignored (".example.com" and "example.com" both match
// example.com and www.example.com); an IP address matches an entry that is
// the same address, or a network in CIDR notation (10.0.0.0/8, fd00::/8);
// entries with a port are not supported by curl and match nothing here
// either. A trailing dot of `host` is ignored.
bool NoProxyMatches(const std::string& list, const std::string& host);

// The environment as a lookup: the value of a variable, nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const char*)>;
// The process's environment (getenv).
EnvironmentLookup ProcessEnvironment();

// The decision for `setting` (the https_proxy setting's value): when not
// empty, every HTTPS request goes through it (no_proxy is not read: the
// setting is the whole decision); when empty, the environment's
// https_proxy, else HTTPS_PROXY (lower case first, as curl; a variable set
// to an empty value counts as unset; all_proxy is not read), with no_proxy,
// else NO_PROXY. A setting that does not parse gives `error` (Save refuses
// it before: settings/m365_config).
HttpsProxy ResolveHttpsProxy(const std::string& setting, const std::string& setting_password,
                             const EnvironmentLookup& environment);

}  // namespace m365
