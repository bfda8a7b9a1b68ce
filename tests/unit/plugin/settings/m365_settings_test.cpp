// The settings form and its checks (docs/channel-settings.md): every rule,
// every hint of docs/microsoft-365.md (What administrators get wrong most) that needs no network,
// and the national cloud's hosts.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "settings/m365_config.hpp"

namespace m365 {
namespace {

using notify::FieldGroup;
using notify::FieldIssue;
using notify::FieldType;
using notify::Settings;
using notify::Severity;

Settings Valid() {
  return {{"server_name", "Contoso"},
          {"from_email", "notify@contoso.onmicrosoft.com"},
          {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
          {"client_secret", "Xq8~Demo.Secret_Value-1234567890abcdefgh"},
          {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"}};
}

// The issues for `key`, of `severity`.
std::vector<FieldIssue> IssuesFor(const std::vector<FieldIssue>& issues, const std::string& key,
                                  Severity severity = Severity::kError) {
  std::vector<FieldIssue> out;
  for (const auto& i : issues) {
    if (i.field == key && i.severity == severity) out.push_back(i);
  }
  return out;
}

std::string Text(const std::vector<FieldIssue>& issues) {
  std::string out;
  for (const auto& i : issues) out += i.field + ": " + i.message + " | " + i.remedy + "\n";
  return out;
}

TEST(M365SettingsTest, FormHasTheContractKeysInOrder) {
  auto fields = M365Fields();
  std::vector<std::string> keys;
  for (const auto& f : fields) keys.push_back(f.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"server_name",
                                            "port",
                                            "timeout",
                                            "batch_size",
                                            "from_email",
                                            "client_id",
                                            "credential",
                                            "client_secret",
                                            "secret_expires",
                                            "certificate_file",
                                            "tenant_id",
                                            "cloud",
                                            "smtp_host",
                                            "authority_url",
                                            "ca_file",
                                            "https_proxy",
                                            "https_proxy_password",
                                            "transport",
                                            "graph_url",
                                            "from_name",
                                            "keep_open_seconds"}));
  bool advanced_seen = false;
  for (const auto& f : fields) {
    if (f.group == FieldGroup::kAdvanced) advanced_seen = true;
    EXPECT_FALSE(advanced_seen && f.group == FieldGroup::kBasic) << f.key << " after advanced";
  }
}

TEST(M365SettingsTest, FieldTypesDefaultsAndRanges) {
  for (const auto& f : M365Fields()) {
    if (f.key == "port") {
      EXPECT_EQ(f.type, FieldType::kInteger);
      EXPECT_EQ(f.default_value, "587");
      EXPECT_EQ(*f.min, 1);
      EXPECT_EQ(*f.max, 65535);
    } else if (f.key == "timeout") {
      EXPECT_EQ(f.default_value, "120");
      EXPECT_EQ(*f.min, 5);
      EXPECT_EQ(*f.max, 600);
    } else if (f.key == "batch_size") {
      EXPECT_EQ(f.choices, (std::vector<std::string>{"small", "medium", "large"}));
      EXPECT_EQ(f.default_value, "medium");
    } else if (f.key == "cloud") {
      EXPECT_EQ(f.choices, (std::vector<std::string>{"global", "usgov", "usgov-dod", "china"}));
      EXPECT_EQ(f.default_value, "global");
      EXPECT_EQ(f.group, FieldGroup::kAdvanced);
    } else if (f.key == "client_secret") {
      EXPECT_EQ(f.type, FieldType::kSecret);
      EXPECT_FALSE(f.required);  // only with credential = secret
    } else if (f.key == "credential") {
      EXPECT_EQ(f.choices, (std::vector<std::string>{"secret", "certificate"}));
      EXPECT_EQ(f.default_value, "secret");
    } else if (f.key == "tenant_id") {
      EXPECT_EQ(f.type, FieldType::kGuidOrDomain);
    } else if (f.key == "client_id") {
      EXPECT_EQ(f.type, FieldType::kGuid);
    } else if (f.key == "server_name") {
      EXPECT_EQ(f.max_length, 64u);
    }
  }
}

TEST(M365SettingsTest, HelpTextsSayWhereValuesLiveAndWhatMicrosoftRequires) {
  std::string all;
  for (const auto& f : M365Fields()) all += f.help + "\n";
  for (const char* needle :
       {"Application (client) ID", "Directory (tenant) ID", "Certificates & secrets", "Value",
        "shown only once", "SMTP.SendAsApp", "admin consent", "New-ServicePrincipal",
        "Add-MailboxPermission", "SMTP AUTH", "Overview"}) {
    EXPECT_NE(all.find(needle), std::string::npos) << needle;
  }
}

TEST(M365SettingsTest, ValidSettingsHaveNoIssue) {
  auto issues = CheckM365Settings(Valid());
  EXPECT_TRUE(issues.empty()) << Text(issues);
}

TEST(M365SettingsTest, EveryMissingRequiredFieldAtOnce) {
  auto issues = CheckM365Settings({});
  for (const char* key : {"server_name", "from_email", "client_id", "client_secret", "tenant_id"}) {
    EXPECT_EQ(IssuesFor(issues, key).size(), 1u) << key << "\n" << Text(issues);
  }
}

struct BadValue {
  const char* key;
  const char* value;
};

class M365SettingsRuleTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(M365SettingsRuleTest, IsAnErrorWithARemedy) {
  Settings s = Valid();
  s[GetParam().key] = GetParam().value;
  auto issues = IssuesFor(CheckM365Settings(s), GetParam().key);
  ASSERT_FALSE(issues.empty()) << GetParam().key << "=" << GetParam().value;
  EXPECT_FALSE(issues[0].remedy.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, M365SettingsRuleTest,
    ::testing::Values(BadValue{"server_name", "x\nInjected: 1"},
                      BadValue{"server_name",
                               "0123456789012345678901234567890123456789"
                               "0123456789012345678901234"},
                      BadValue{"port", "0"}, BadValue{"port", "65536"}, BadValue{"port", "smtp"},
                      BadValue{"timeout", "4"}, BadValue{"timeout", "601"},
                      BadValue{"batch_size", "huge"}, BadValue{"from_email", "not an address"},
                      BadValue{"from_email", "Alerts <a@contoso.com>"},
                      BadValue{"client_id", "my-app"}, BadValue{"tenant_id", "contoso"},
                      BadValue{"tenant_id", "common"}, BadValue{"tenant_id", "Organizations"},
                      BadValue{"tenant_id", "consumers"}, BadValue{"cloud", "germany"},
                      BadValue{"smtp_host", "smtp.office365.com:587"},
                      BadValue{"smtp_host", "10.0.0.1"},
                      BadValue{"authority_url", "http://login.microsoftonline.com"},
                      BadValue{"authority_url", "login.microsoftonline.com"},
                      BadValue{"ca_file", "/no/such/ca.pem"},
                      BadValue{"client_secret", "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"},
                      BadValue{"client_secret", "Xq8~Demo.Secret_Value-1234567890abcdefgh "},
                      BadValue{"from_name", "Alerts\r\nBcc: x@y.z"}),
    [](const ::testing::TestParamInfo<BadValue>& info) {
      return std::string(info.param.key) + "_" + std::to_string(info.index);
    });

TEST(M365SettingsTest, UnknownKeyIsAnError) {
  Settings s = Valid();
  s["smtp_server"] = "smtp.office365.com";
  EXPECT_EQ(IssuesFor(CheckM365Settings(s), "smtp_server").size(), 1u);
}

TEST(M365SettingsTest, GuidShapedSecretLooksLikeTheSecretId) {
  Settings s = Valid();
  s["client_secret"] = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
  auto issues = IssuesFor(CheckM365Settings(s), "client_secret");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("looks like the secret's ID, not its Value"), std::string::npos);
  EXPECT_NE(issues[0].remedy.find("Certificates & secrets"), std::string::npos);
  EXPECT_EQ(Text(issues).find("9a8b7c6d"), std::string::npos) << "the secret is never echoed";
}

TEST(M365SettingsTest, ClientIdEqualToTenantId) {
  Settings s = Valid();
  s["tenant_id"] = s["client_id"];
  auto issues = IssuesFor(CheckM365Settings(s), "tenant_id");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("equals the Client ID"), std::string::npos);
  EXPECT_NE(issues[0].remedy.find("Directory (tenant) ID"), std::string::npos);
}

TEST(M365SettingsTest, MultiTenantAliasGetsItsOwnMessageOnly) {
  Settings s = Valid();
  s["tenant_id"] = "common";
  auto issues = IssuesFor(CheckM365Settings(s), "tenant_id");
  ASSERT_EQ(issues.size(), 1u) << Text(issues);
  EXPECT_NE(issues[0].message.find("AADSTS9001023"), std::string::npos);
}

TEST(M365SettingsTest, FromDomainDifferentFromDomainTenantIsAWarning) {
  Settings s = Valid();
  s["tenant_id"] = "contoso.onmicrosoft.com";
  s["from_email"] = "alerts@fabrikam.com";
  auto issues = CheckM365Settings(s);
  auto warnings = IssuesFor(issues, "from_email", Severity::kWarning);
  ASSERT_EQ(warnings.size(), 1u) << Text(issues);
  EXPECT_NE(warnings[0].message.find("fabrikam.com"), std::string::npos);
  EXPECT_TRUE(IssuesFor(issues, "from_email").empty()) << "a warning, not an error";

  s["from_email"] = "alerts@contoso.onmicrosoft.com";
  EXPECT_TRUE(CheckM365Settings(s).empty());
  s["tenant_id"] = "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30";  // GUID tenant: nothing to compare
  s["from_email"] = "alerts@fabrikam.com";
  EXPECT_TRUE(CheckM365Settings(s).empty());
}

TEST(M365SettingsTest, AuthorityMustBeHttps) {
  Settings s = Valid();
  s["authority_url"] = "http://localhost:8443";
  auto issues = IssuesFor(CheckM365Settings(s), "authority_url");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("not https"), std::string::npos);
  s["authority_url"] = "https://localhost:8443";
  EXPECT_TRUE(CheckM365Settings(s).empty());
}

TEST(M365SettingsTest, LocalhostIsAValidSmtpHost) {
  Settings s = Valid();
  s["smtp_host"] = "localhost";
  EXPECT_TRUE(CheckM365Settings(s).empty());
}

TEST(M365SettingsTest, CaFileMissingOrNotPem) {
  Settings s = Valid();
  s["ca_file"] = "/no/such/file.pem";
  auto issues = IssuesFor(CheckM365Settings(s), "ca_file");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("cannot read"), std::string::npos);

  std::string path = ::testing::TempDir() + "/m365_not_pem.txt";
  std::ofstream(path) << "this is not a certificate\n";
  s["ca_file"] = path;
  issues = IssuesFor(CheckM365Settings(s), "ca_file");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("no PEM certificate"), std::string::npos);
  std::remove(path.c_str());
}

TEST(M365SettingsTest, Port465OnExchangeOnlineIsAWarning) {
  Settings s = Valid();
  s["port"] = "465";
  auto issues = CheckM365Settings(s);
  EXPECT_EQ(IssuesFor(issues, "port", Severity::kWarning).size(), 1u);
  EXPECT_TRUE(IssuesFor(issues, "port").empty());
}

TEST(M365SettingsTest, ResolveAppliesDefaultsForTheGlobalCloud) {
  M365Config c = ResolveConfig(Valid());
  EXPECT_EQ(c.server_name, "Contoso");
  EXPECT_EQ(c.port, 587);
  EXPECT_EQ(c.timeout.count(), 120);
  EXPECT_EQ(c.batch_size, 30);
  EXPECT_EQ(c.cloud, "global");
  EXPECT_EQ(c.authority_url, "https://login.microsoftonline.com");
  EXPECT_EQ(c.smtp_host, "smtp.office365.com");
  EXPECT_EQ(c.scope, "https://outlook.office365.com/.default");
  EXPECT_EQ(c.expected_audience, "https://outlook.office365.com");
  EXPECT_EQ(c.graph_scope, "https://graph.microsoft.com/.default");
  EXPECT_EQ(c.graph_audience, "https://graph.microsoft.com");
  EXPECT_EQ(c.graph_url, "https://graph.microsoft.com");
  EXPECT_EQ(c.transport, Transport::kAuto);
  EXPECT_EQ(c.client_secret, "Xq8~Demo.Secret_Value-1234567890abcdefgh");
}

struct CloudCase {
  const char* cloud;
  const char* authority;
  const char* smtp_host;
  const char* scope;
  const char* graph;
};

class M365CloudTest : public ::testing::TestWithParam<CloudCase> {};

TEST_P(M365CloudTest, ResolvesHostsAndScope) {
  Settings s = Valid();
  s["cloud"] = GetParam().cloud;
  EXPECT_TRUE(CheckM365Settings(s).empty());
  M365Config c = ResolveConfig(s);
  EXPECT_EQ(c.authority_url, GetParam().authority);
  EXPECT_EQ(c.smtp_host, GetParam().smtp_host);
  EXPECT_EQ(c.scope, GetParam().scope);
  EXPECT_EQ(c.scope, c.expected_audience + "/.default");
  EXPECT_EQ(c.graph_url, GetParam().graph);
  EXPECT_EQ(c.graph_audience, GetParam().graph);
  EXPECT_EQ(c.graph_scope, std::string(GetParam().graph) + "/.default");
}

INSTANTIATE_TEST_SUITE_P(
    Clouds, M365CloudTest,
    ::testing::Values(
        CloudCase{"global", "https://login.microsoftonline.com", "smtp.office365.com",
                  "https://outlook.office365.com/.default", "https://graph.microsoft.com"},
        CloudCase{"usgov", "https://login.microsoftonline.us", "smtp.office365.us",
                  "https://outlook.office365.us/.default", "https://graph.microsoft.us"},
        CloudCase{"usgov-dod", "https://login.microsoftonline.us", "smtp.office365.us",
                  "https://outlook-dod.office365.us/.default", "https://dod-graph.microsoft.us"},
        CloudCase{"china", "https://login.partner.microsoftonline.cn", "smtp.partner.outlook.cn",
                  "https://partner.outlook.cn/.default",
                  "https://microsoftgraph.chinacloudapi.cn"}),
    [](const ::testing::TestParamInfo<CloudCase>& info) {
      std::string name = info.param.cloud;
      for (char& ch : name) ch = ch == '-' ? '_' : ch;
      return name;
    });

TEST(M365SettingsTest, OverridesWinOverTheCloud) {
  Settings s = Valid();
  s["cloud"] = "usgov";
  s["smtp_host"] = "localhost";
  s["authority_url"] = "https://localhost:8443/";
  s["batch_size"] = "large";
  s["port"] = "2525";
  s["timeout"] = "5";
  M365Config c = ResolveConfig(s);
  EXPECT_EQ(c.smtp_host, "localhost");
  EXPECT_EQ(c.authority_url, "https://localhost:8443") << "no slash at the end";
  EXPECT_EQ(c.scope, "https://outlook.office365.us/.default") << "scope still follows the cloud";
  EXPECT_EQ(c.batch_size, 100);
  EXPECT_EQ(c.port, 2525);
  EXPECT_EQ(c.timeout.count(), 5);
  s["batch_size"] = "small";
  EXPECT_EQ(ResolveConfig(s).batch_size, 10);
}

TEST(M365SettingsTest, TransportIsAutoSmtpOrGraph) {
  Settings s = Valid();
  for (auto [value, expected] :
       {std::pair{"auto", Transport::kAuto}, std::pair{"smtp", Transport::kSmtp},
        std::pair{"graph", Transport::kGraph}}) {
    s["transport"] = value;
    EXPECT_TRUE(CheckM365Settings(s).empty()) << value << Text(CheckM365Settings(s));
    EXPECT_EQ(ResolveConfig(s).transport, expected) << value;
    EXPECT_STREQ(ToString(expected), value);
  }
  s["transport"] = "ews";
  auto issues = IssuesFor(CheckM365Settings(s), "transport");
  ASSERT_EQ(issues.size(), 1u) << Text(CheckM365Settings(s));
  EXPECT_FALSE(issues[0].remedy.empty());
}

TEST(M365SettingsTest, GraphUrlMustBeHttpsWithAHostName) {
  Settings s = Valid();
  for (const char* bad : {"http://graph.microsoft.com", "https://", "https://user@host",
                          "https://127.0.0.1:8443", "https://graph.microsoft.com/?x=1"}) {
    s["graph_url"] = bad;
    auto issues = IssuesFor(CheckM365Settings(s), "graph_url");
    ASSERT_EQ(issues.size(), 1u) << bad << "\n" << Text(CheckM365Settings(s));
    EXPECT_FALSE(issues[0].remedy.empty()) << bad;
  }
  for (const char* good : {"https://localhost:8443", "https://graph.microsoft.com/",
                           "https://gateway.contoso.com/graph"}) {
    s["graph_url"] = good;
    EXPECT_TRUE(IssuesFor(CheckM365Settings(s), "graph_url").empty()) << good;
  }
  s["graph_url"] = "https://localhost:8443/";
  s["cloud"] = "china";
  EXPECT_EQ(ResolveConfig(s).graph_url, "https://localhost:8443") << "override wins, no slash";
  EXPECT_EQ(ResolveConfig(s).graph_audience, "https://microsoftgraph.chinacloudapi.cn")
      << "the audience still follows the cloud";
}

// ca_file = a FIFO: opening it would block until a writer came, so Save
// would hang without a deadline.
TEST(M365SettingsTest, FifoAsCaFileIsRefusedWithoutOpeningIt) {
  std::string fifo = ::testing::TempDir() + "m365_ca_" + std::to_string(::getpid()) + ".fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  notify::Settings s = {{"server_name", "Contoso"},
                        {"from_email", "notify@contoso.onmicrosoft.com"},
                        {"client_id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
                        {"client_secret", "Xq8~Demo.Secret_Value-1234567890abcdefgh"},
                        {"tenant_id", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30"},
                        {"ca_file", fifo}};
  auto issues = CheckM365Settings(s);  // would block here before the fix
  ::unlink(fifo.c_str());
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].field, "ca_file");
  EXPECT_NE(issues[0].message.find("not a regular file"), std::string::npos);
}

TEST(M365SettingsTest, TheSecretIsRequiredOnlyWithTheSecretCredential) {
  Settings s = Valid();
  s.erase("client_secret");
  EXPECT_EQ(IssuesFor(CheckM365Settings(s), "client_secret").size(), 1u);
  s["credential"] = "certificate";
  auto issues = CheckM365Settings(s);
  EXPECT_TRUE(IssuesFor(issues, "client_secret").empty()) << Text(issues);
  ASSERT_EQ(IssuesFor(issues, "certificate_file").size(), 1u) << Text(issues);
  EXPECT_NE(IssuesFor(issues, "certificate_file")[0].message.find("required"), std::string::npos);
}

TEST(M365SettingsTest, SecretExpiresMustBeADay) {
  Settings s = Valid();
  s["secret_expires"] = "31/12/2030";
  auto issues = IssuesFor(CheckM365Settings(s), "secret_expires");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].severity, notify::Severity::kError);
  EXPECT_NE(issues[0].remedy.find("YYYY-MM-DD"), std::string::npos) << issues[0].remedy;
}

}  // namespace
}  // namespace m365
