// The proxy decision: the setting or the environment, and curl's no_proxy
// rules (docs/channel-settings.md, HTTPS proxy).
#include "net/https_proxy.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cstdlib>

#include "notify/sdk/settings.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;
using notify::sdk::StatusOr;

std::string Decoded(const std::string& text) {
  std::string out;
  try {
    Poco::URI::decode(text, out);
  } catch (const Poco::Exception&) {
    return text;  // a stray '%': taken as it is, as curl does
  }
  return out;
}

// `address` within `entry` ("a.b.c.d", "a.b.c.d/n", "v6", "v6/n").
bool IpMatches(const Poco::Net::IPAddress& address, const std::string& entry) {
  std::string net = entry;
  int bits = -1;
  auto slash = entry.find('/');
  if (slash != std::string::npos) {
    net = entry.substr(0, slash);
    auto parsed = notify::sdk::ParseInteger(entry.substr(slash + 1));
    if (!parsed) return false;
    bits = static_cast<int>(*parsed);
  }
  if (!net.empty() && net.front() == '[' && net.back() == ']') net = net.substr(1, net.size() - 2);
  Poco::Net::IPAddress network;
  if (!Poco::Net::IPAddress::tryParse(net, network)) return false;
  if (network.family() != address.family()) return false;
  const int max_bits = address.family() == Poco::Net::IPAddress::IPv4 ? 32 : 128;
  if (bits < 0) bits = max_bits;
  if (bits > max_bits) return false;
  try {
    Poco::Net::IPAddress mask(static_cast<unsigned>(bits), address.family());
    return (address & mask) == (network & mask);
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace

std::string ProxyEndpoint::Where() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StatusOr<ProxyEndpoint> ParseProxyUrl(const std::string& url, bool scheme_optional) {
  std::string rest = url;
  const auto scheme_end = rest.find("://");
  if (scheme_end != std::string::npos) {
    const std::string scheme = Poco::toLower(rest.substr(0, scheme_end));
    if (scheme != "http") {
      return Status::InvalidArgument(
          "the proxy's scheme " + scheme.substr(0, 16) + ":// is not supported",
          "Give an HTTP proxy as http://host:port: the channel opens a CONNECT tunnel through "
          "it, so TLS stays end to end (https:// and SOCKS proxies are not supported).");
    }
    rest = rest.substr(scheme_end + 3);
  } else if (!scheme_optional) {
    return Status::InvalidArgument("the proxy is not an http:// URL",
                                   "Write it as http://host:port, e.g. http://proxy.example:3128.");
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  ProxyEndpoint p;
  const auto at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    p.user = Decoded(userinfo.substr(0, colon));
    if (colon != std::string::npos) p.password = Decoded(userinfo.substr(colon + 1));
  }
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      return Status::InvalidArgument("the proxy's IPv6 address has no closing ']'",
                                     "Write it as http://[2001:db8::1]:3128.");
    }
    p.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') {
        return Status::InvalidArgument("the proxy's address is malformed",
                                       "Write it as http://[2001:db8::1]:3128.");
      }
      port = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.rfind(':');
    p.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (p.host.empty()) {
    return Status::InvalidArgument("the proxy URL names no host",
                                   "Write it as http://host:port, e.g. http://proxy.example:3128.");
  }
  for (char ch : p.host) {
    if (static_cast<unsigned char>(ch) <= ' ' || ch == '@' || ch == '/' || ch == '\\') {
      return Status::InvalidArgument(
          "the proxy's host name holds a character a host name cannot have",
          "Write it as http://host:port, e.g. http://proxy.example:3128.");
    }
  }
  if (port.empty()) {
    if (!scheme_optional) {
      return Status::InvalidArgument(
          "the proxy URL gives no port (proxy " + p.host + ")",
          "Add the proxy's port, e.g. http://" + p.host + ":3128 (ask the network team which).");
    }
    p.port = 1080;  // curl's default proxy port
  } else {
    auto parsed = notify::sdk::ParseInteger(port);
    if (!parsed || *parsed < 1 || *parsed > 65535) {
      return Status::InvalidArgument(
          "the proxy's port is not a number from 1 to 65535 (proxy " + p.host + ")",
          "Write it as http://" + p.host + ":3128.");
    }
    p.port = static_cast<int>(*parsed);
  }
  return p;
}

bool NoProxyMatches(const std::string& list, const std::string& host_in) {
  std::string host = Poco::toLower(host_in);
  if (!host.empty() && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) return false;
  Poco::Net::IPAddress address;
  const bool is_ip = Poco::Net::IPAddress::tryParse(host, address);
  std::size_t i = 0;
  while (i < list.size()) {
    const auto end = list.find_first_of(", \t\r\n", i);
    std::string entry =
        Poco::toLower(list.substr(i, end == std::string::npos ? std::string::npos : end - i));
    i = end == std::string::npos ? list.size() : end + 1;
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (is_ip) {
      if (IpMatches(address, entry)) return true;
      continue;
    }
    if (entry.front() == '.') entry.erase(0, 1);
    while (!entry.empty() && entry.back() == '.') entry.pop_back();
    if (entry.empty()) continue;
    if (host == entry) return true;
    if (host.size() > entry.size() &&
        host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
        host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

EnvironmentLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

const ProxyEndpoint* HttpsProxy::For(const std::string& host) const {
  if (!proxy) return nullptr;
  if (source == ProxySource::kEnvironment && NoProxyMatches(no_proxy, host)) return nullptr;
  return &*proxy;
}

HttpsProxy ResolveHttpsProxy(const std::string& setting, const std::string& setting_password,
                             const EnvironmentLookup& environment) {
  HttpsProxy decision;
  if (!setting.empty()) {
    decision.source = ProxySource::kSetting;
    decision.source_name = "the https_proxy setting";
    auto parsed = ParseProxyUrl(setting, /*scheme_optional=*/false);
    if (!parsed.ok()) {
      decision.error = "https_proxy: " + parsed.status().message();
      return decision;
    }
    decision.proxy = parsed.value();
    if (!setting_password.empty()) decision.proxy->password = setting_password;
    return decision;
  }
  auto set = [&](const char* name) -> std::optional<std::string> {
    auto value = environment(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };
  const char* name = "https_proxy";
  auto value = set(name);
  if (!value) {
    name = "HTTPS_PROXY";
    value = set(name);
  }
  if (!value) return decision;
  decision.source = ProxySource::kEnvironment;
  decision.source_name = std::string("the environment's ") + name;
  auto no_proxy = set("no_proxy");
  if (!no_proxy) no_proxy = set("NO_PROXY");
  decision.no_proxy = no_proxy.value_or("");
  auto parsed = ParseProxyUrl(*value, /*scheme_optional=*/true);
  if (!parsed.ok()) {
    decision.error = decision.source_name + ": " + parsed.status().message();
    return decision;
  }
  decision.proxy = parsed.value();
  return decision;
}

}  // namespace m365
