// The proxy decision (docs/channel-settings.md, HTTPS proxy): proxy URLs,
// the environment's variables in curl's order, and curl's no_proxy rules.
#include "net/https_proxy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace m365 {
namespace {

EnvironmentLookup Env(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ProxyUrl, TakesHostPortAndPercentDecodedCredentials) {
  auto p = ParseProxyUrl("http://al%40ice:p%3Ass@proxy.example:3128/", false);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->host, "proxy.example");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->user, "al@ice");
  EXPECT_EQ(p->password, "p:ss");
  EXPECT_EQ(p->Where(), "proxy.example:3128");
}

TEST(ProxyUrl, TakesIpv6InBrackets) {
  auto p = ParseProxyUrl("http://[fd00::1]:8080", false);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->host, "fd00::1");
  EXPECT_EQ(p->Where(), "[fd00::1]:8080");
}

TEST(ProxyUrl, TheEnvironmentsFormMayOmitSchemeAndPortAsCurlAllows) {
  auto p = ParseProxyUrl("proxy.example", true);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->port, 1080);
  EXPECT_FALSE(ParseProxyUrl("proxy.example:3128", false).ok()) << "the setting needs http://";
  EXPECT_FALSE(ParseProxyUrl("http://proxy.example", false).ok()) << "the setting needs a port";
}

TEST(ProxyUrl, RefusesOtherSchemesWithoutQuotingTheUrl) {
  for (const char* url : {"https://u:Secr3t@p.example:443", "socks5://u:Secr3t@p.example:1080"}) {
    auto p = ParseProxyUrl(url, true);
    ASSERT_FALSE(p.ok()) << url;
    EXPECT_EQ(p.status().message().find("Secr3t"), std::string::npos);
    EXPECT_NE(p.status().message().find("not supported"), std::string::npos);
  }
  auto bad_port = ParseProxyUrl("http://u:Secr3t@p.example:99999", false);
  ASSERT_FALSE(bad_port.ok());
  EXPECT_EQ(bad_port.status().message().find("Secr3t"), std::string::npos);
}

TEST(NoProxy, MatchesCurlsRules) {
  EXPECT_TRUE(NoProxyMatches("*", "login.microsoftonline.com"));
  EXPECT_TRUE(NoProxyMatches("microsoftonline.com", "login.microsoftonline.com"));
  EXPECT_TRUE(NoProxyMatches(".microsoftonline.com", "login.microsoftonline.com"));
  EXPECT_TRUE(NoProxyMatches(".microsoftonline.com", "microsoftonline.com"));
  EXPECT_TRUE(NoProxyMatches("GRAPH.microsoft.com", "graph.Microsoft.com."));
  EXPECT_FALSE(NoProxyMatches("online.com", "login.microsoftonline.com")) << "only at a dot";
  EXPECT_FALSE(NoProxyMatches("microsoft.com:443", "graph.microsoft.com")) << "no ports";
  EXPECT_TRUE(NoProxyMatches("a.example, b.example\tlocalhost", "localhost"));
  EXPECT_FALSE(NoProxyMatches("", "localhost"));
  EXPECT_FALSE(NoProxyMatches("*.example.com", "www.example.com")) << "no glob but a lone *";
}

TEST(NoProxy, MatchesAddressesAndCidrNetworks) {
  EXPECT_TRUE(NoProxyMatches("127.0.0.1", "127.0.0.1"));
  EXPECT_TRUE(NoProxyMatches("10.0.0.0/8", "10.20.30.40"));
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(NoProxyMatches("fd00::/8", "[fd12::1]"));
  EXPECT_FALSE(NoProxyMatches("127.0.0.1", "localhost")) << "names are not resolved";
  EXPECT_FALSE(NoProxyMatches("localhost", "127.0.0.1"));
}

TEST(ProxyDecision, TheSettingWinsAndIgnoresNoProxy) {
  auto d = ResolveHttpsProxy("http://alice@proxy.example:3128", "pw",
                             Env({{"HTTPS_PROXY", "http://other:1"}, {"NO_PROXY", "*"}}));
  ASSERT_TRUE(d.proxy);
  EXPECT_EQ(d.source, ProxySource::kSetting);
  EXPECT_EQ(d.proxy->password, "pw");
  ASSERT_NE(d.For("login.microsoftonline.com"), nullptr);
  EXPECT_EQ(d.For("login.microsoftonline.com")->Where(), "proxy.example:3128");
}

TEST(ProxyDecision, TheEnvironmentIsReadLowerCaseFirst) {
  auto d = ResolveHttpsProxy(
      "", "", Env({{"https_proxy", "http://lower:1"}, {"HTTPS_PROXY", "http://upper:2"}}));
  ASSERT_TRUE(d.proxy);
  EXPECT_EQ(d.proxy->host, "lower");
  EXPECT_EQ(d.source_name, "the environment's https_proxy");
  d = ResolveHttpsProxy("", "", Env({{"https_proxy", ""}, {"HTTPS_PROXY", "http://upper:2"}}));
  ASSERT_TRUE(d.proxy);
  EXPECT_EQ(d.proxy->host, "upper") << "an empty variable counts as unset";
  d = ResolveHttpsProxy("", "", Env({{"ALL_PROXY", "http://all:3"}, {"http_proxy", "http://h:4"}}));
  EXPECT_FALSE(d.proxy) << "only the https variables are read";
}

TEST(ProxyDecision, NoProxyFromTheEnvironmentSendsThoseHostsDirect) {
  auto d = ResolveHttpsProxy(
      "", "",
      Env({{"HTTPS_PROXY", "proxy:3128"}, {"no_proxy", "graph.microsoft.com"}, {"NO_PROXY", "*"}}));
  EXPECT_EQ(d.For("graph.microsoft.com"), nullptr);
  EXPECT_NE(d.For("login.microsoftonline.com"), nullptr) << "no_proxy wins over NO_PROXY";
}

TEST(ProxyDecision, AnUnusableEnvironmentVariableIsAnErrorNotADetour) {
  auto d = ResolveHttpsProxy("", "", Env({{"HTTPS_PROXY", "socks5://u:Secr3t@p:1080"}}));
  EXPECT_FALSE(d.proxy);
  EXPECT_NE(d.error.find("HTTPS_PROXY"), std::string::npos);
  EXPECT_EQ(d.error.find("Secr3t"), std::string::npos);
}

}  // namespace
}  // namespace m365
