// Secrets at `ruleset save`, through the real notify-host binary: a stored
// secret goes only where it went before (docs/security.md).
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <map>

#include "host_dir.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::Fixture;
using host_test::HostDir;
using notify::test_support::CommandRun;

// --- the stored secret and a changed endpoint ---------------------------------

// The fixture with the Microsoft 365 channel's form.
class StoredSecret : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(Fixture("fixture_m365_form"), "fixture_m365_form.so");
    dir_.WriteSettings("fixture_m365_form");
  }

  // The settings of the first save, the secret included.
  std::map<std::string, std::string> First() const {
    return {{"server_name", "Contoso"},
            {"from_email", "alerts@contoso.com"},
            {"client_id", "11111111-2222-3333-4444-555555555555"},
            {"tenant_id", "contoso.onmicrosoft.com"},
            {"smtp_host", "smtp.contoso.example"},
            {"client_secret", "the-real-secret-value"}};
  }

  CommandRun Save(const std::map<std::string, std::string>& settings,
                  std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"ruleset", "save", "r1", "--channel", "fixture_m365"};
    for (const auto& [k, v] : settings) args.insert(args.end(), {"--set", k + "=" + v});
    args.insert(args.end(), more.begin(), more.end());
    return dir_.Host(args);
  }

  HostDir dir_{"secret"};
};

TEST_F(StoredSecret, IsNotCarriedOverWhenAFieldThatDecidesWhereItGoesChanged) {
  ASSERT_EQ(Save(First()).rc, 0);
  const std::string stored = dir_.Store();
  const std::map<std::string, std::string> changes = {
      {"authority_url", "https://login.attacker.example"},
      {"cloud", "china"},
      {"tenant_id", "attacker.onmicrosoft.com"},
      {"client_id", "99999999-2222-3333-4444-555555555555"},
      {"smtp_host", "smtp.attacker.example"},
      {"port", "2525"},
      {"ca_file", "/tmp/attacker-ca.pem"},
      {"https_proxy", "http://proxy.attacker.example:8080"},
      {"transport", "graph"},
      {"graph_url", "https://graph.attacker.example"},
      {"credential", "certificate"},
      {"certificate_file", "/tmp/attacker.pem"},
  };
  for (const auto& [key, value] : changes) {
    SCOPED_TRACE(key);
    auto settings = First();
    settings.erase("client_secret");
    settings[key] = value;
    CommandRun r = Save(settings);
    EXPECT_EQ(r.rc, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("client_secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("re-enter the secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(" + key + ")"), std::string::npos) << "names the changed field\n"
                                                              << r.out;
    EXPECT_EQ(dir_.Store(), stored) << "nothing stored";
  }
  // A field set before and left out now goes back to its default: a change too.
  auto settings = First();
  settings.erase("client_secret");
  settings.erase("smtp_host");
  CommandRun r = Save(settings, {"--json"});
  EXPECT_EQ(r.rc, 3) << r.out;
  Poco::JSON::Parser parser;
  auto root = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
  auto issue = root->getArray("issues")->getObject(0);
  EXPECT_EQ(issue->getValue<std::string>("field"), "client_secret");
  EXPECT_NE(issue->getValue<std::string>("message").find("smtp_host"), std::string::npos);
  EXPECT_EQ(dir_.Store(), stored);
}

TEST_F(StoredSecret, IsKeptWhenNoOtherSettingChanged) {
  ASSERT_EQ(Save(First()).rc, 0);
  auto settings = First();
  settings.erase("client_secret");
  settings["port"] = "587";  // the default, as it was
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(dir_.Store().find("the-real-secret-value"), std::string::npos);
}

TEST_F(StoredSecret, ANewSecretWithANewEndpointIsSaved) {
  ASSERT_EQ(Save(First()).rc, 0);
  auto settings = First();
  settings["smtp_host"] = "smtp.elsewhere.example";
  settings["client_secret"] = "a-new-secret-value";
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(dir_.Store().find("a-new-secret-value"), std::string::npos);
}

TEST_F(StoredSecret, TheMaskIsNeverStoredAsASecret) {
  auto settings = First();
  settings["client_secret"] = "********";
  CommandRun r = Save(settings);
  EXPECT_EQ(r.rc, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("client_secret"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("********"), std::string::npos) << "says why: " << r.out;
  EXPECT_FALSE(fs::exists(dir_.store()));
  ASSERT_EQ(Save(First()).rc, 0);
  const std::string stored = dir_.Store();
  EXPECT_EQ(Save(settings).rc, 3);
  EXPECT_EQ(dir_.Store(), stored);
}

}  // namespace
