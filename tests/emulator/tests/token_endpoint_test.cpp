// Token endpoint: success shape, every AADSTS case of docs/microsoft-365.md, Token endpoint,
// faults.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>

#include "test_support.hpp"

namespace m365emu::testing {
namespace {

Poco::JSON::Object::Ptr Json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Poco::JSON::Object::Ptr>();
}

class TokenEndpointTest : public ::testing::Test {
 protected:
  void Start(Config c = DemoConfig()) { emu_ = std::make_unique<Emulator>(c, dir_.path()); }
  HttpResult Post(const std::string& body, const std::string& tenant = kDemoTenantId) {
    return HttpsRequest(*emu_, "POST", "/" + tenant + "/oauth2/v2.0/token", body);
  }
  // Asserts the error shape of docs/microsoft-365.md, Token endpoint and returns the parsed body.
  void ExpectAadError(HttpResult r, int status, const std::string& error, long code) {
    SCOPED_TRACE(r.body);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.headers["cache-control"], "no-store, no-cache");
    EXPECT_EQ(r.headers["pragma"], "no-cache");
    auto o = Json(r.body);
    EXPECT_EQ(o->getValue<std::string>("error"), error);
    auto codes = o->getArray("error_codes");
    ASSERT_EQ(codes->size(), 1u);
    EXPECT_EQ(codes->getElement<long>(0), code);
    std::string d = o->getValue<std::string>("error_description");
    EXPECT_EQ(d.rfind("AADSTS" + std::to_string(code) + ": ", 0), 0u);
    std::string trace = o->getValue<std::string>("trace_id");
    std::string corr = o->getValue<std::string>("correlation_id");
    std::string ts = o->getValue<std::string>("timestamp");
    EXPECT_NE(
        d.find("\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + corr + "\r\nTimestamp: " + ts),
        std::string::npos);
    EXPECT_EQ(ts.size(), 20u);  // "2026-01-09 02:02:12Z"
    EXPECT_EQ(o->getValue<std::string>("error_uri"),
              "https://login.microsoftonline.com/error?code=" + std::to_string(code));
  }

  TempDir dir_;
  std::unique_ptr<Emulator> emu_;
};

TEST_F(TokenEndpointTest, IssuesExchangeTokenWithClaims) {
  Start();
  for (const std::string tenant : {kDemoTenantId, kDemoTenantDomain, kDemoTenantVanityDomain}) {
    HttpResult r = Post(TokenForm(), tenant);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["cache-control"], "no-store, no-cache");
    EXPECT_EQ(r.headers["pragma"], "no-cache");
    EXPECT_EQ(r.body.rfind("{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
                           "\"access_token\":\"eyJ",
                           0),
              0u);
    auto o = Json(r.body);
    auto claims = Json(JwtPayload(o->getValue<std::string>("access_token")));
    EXPECT_EQ(claims->getValue<std::string>("aud"), "https://outlook.office365.com");
    EXPECT_EQ(claims->getValue<std::string>("iss"),
              std::string("https://sts.windows.net/") + kDemoTenantId + "/");
    EXPECT_EQ(claims->getValue<std::string>("tid"), kDemoTenantId);
    EXPECT_EQ(claims->getValue<std::string>("appid"), kDemoClientId);
    EXPECT_EQ(claims->getValue<std::string>("azp"), kDemoClientId);
    EXPECT_EQ(claims->getArray("roles")->getElement<std::string>(0), "SMTP.SendAsApp");
    EXPECT_EQ(claims->getValue<long>("exp") - claims->getValue<long>("iat"), 3599);
    EXPECT_TRUE(claims->has("nbf"));
    EXPECT_TRUE(claims->has("oid"));
  }
  EXPECT_EQ(emu_->stats().token_requests, 3u);
  EXPECT_EQ(emu_->stats().token_successes, 3u);
}

TEST_F(TokenEndpointTest, GraphTokenCarriesOnlyGraphRoles) {
  Config c = DemoConfig();
  c.app().roles[kGraphResource] = {kGraphMailSendRole};
  c.token_lifetime_seconds = 4200;
  Start(c);
  std::string token = FetchToken(*emu_, "https://graph.microsoft.com/.default");
  auto claims = Json(JwtPayload(token));
  EXPECT_EQ(claims->getValue<std::string>("aud"), "https://graph.microsoft.com");
  EXPECT_EQ(claims->getArray("roles")->getElement<std::string>(0), "Mail.Send");
  EXPECT_EQ(claims->getValue<long>("exp") - claims->getValue<long>("iat"), 4200);
}

TEST_F(TokenEndpointTest, NoConsentGivesTokenWithoutRoles) {
  Config c = DemoConfig();
  c.app().roles.clear();
  c.app().roles[kGraphResource] = {kGraphMailSendRole};  // Graph-only mistake
  Start(c);
  auto claims = Json(JwtPayload(FetchToken(*emu_)));
  EXPECT_FALSE(claims->has("roles"));
}

TEST_F(TokenEndpointTest, EveryAadstsCaseOfTheFacts) {
  Config c = DemoConfig();
  App expired = c.app();
  expired.client_id = "11111111-2222-4333-8444-555555555555";
  expired.secrets = {Secret{"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "Expired~Secret.Value", 1000}};
  c.tenant().apps.push_back(expired);
  Tenant no_exo;
  no_exo.id = "99999999-8888-4777-8666-555555555555";
  no_exo.domains = {"fabrikam.onmicrosoft.com"};
  no_exo.exchange_online = false;
  no_exo.apps = {c.app()};
  c.tenants.push_back(no_exo);
  Start(c);

  ExpectAadError(Post(TokenForm("wrong")), 401, "invalid_client", 7000215);
  ExpectAadError(Post(TokenForm(kDemoSecretId)), 401, "invalid_client", 7000215);
  ExpectAadError(Post(TokenForm("Expired~Secret.Value", "https://outlook.office365.com/.default",
                                expired.client_id)),
                 401, "invalid_client", 7000222);
  ExpectAadError(Post(TokenForm(kDemoSecretValue, "https://outlook.office365.com/.default",
                                "12345678-1234-4234-8234-123456789012")),
                 400, "unauthorized_client", 700016);
  ExpectAadError(Post(TokenForm(), "00000000-1111-4222-8333-444444444444"), 400, "invalid_tenant",
                 90002);
  ExpectAadError(Post(TokenForm(), "nosuch.onmicrosoft.com"), 400, "invalid_tenant", 90002);
  ExpectAadError(Post(TokenForm(), "bad_tenant!"), 400, "invalid_request", 900023);
  ExpectAadError(Post(TokenForm(), "contoso"), 400, "invalid_request", 900023);
  ExpectAadError(Post(TokenForm(), "common"), 400, "unsupported_grant_type", 9001023);
  ExpectAadError(Post(TokenForm(), "consumers"), 400, "unsupported_grant_type", 9001023);
  ExpectAadError(Post(TokenForm(kDemoSecretValue, "https://outlook.office365.com/SMTP.Send")), 400,
                 "invalid_scope", 1002012);
  ExpectAadError(Post(TokenForm(kDemoSecretValue, "")), 400, "invalid_scope", 70011);
  ExpectAadError(Post(TokenForm(kDemoSecretValue,
                                "https://outlook.office365.com/.default "
                                "https://graph.microsoft.com/.default")),
                 400, "invalid_scope", 70011);
  ExpectAadError(Post("grant_type=client_credentials&client_id=" + std::string(kDemoClientId) +
                      "&scope=https%3A%2F%2Foutlook.office365.com%2F.default"),
                 401, "invalid_client", 7000218);
  ExpectAadError(Post(TokenForm(), "fabrikam.onmicrosoft.com"), 400, "invalid_resource", 500011);
  ExpectAadError(Post(TokenForm(kDemoSecretValue, "https://nosuch.example/.default")), 400,
                 "invalid_resource", 500011);

  Stats s = emu_->stats();
  EXPECT_EQ(s.token_successes, 0u);
  EXPECT_EQ(s.token_error_codes[7000215], 2u);
  EXPECT_EQ(s.token_http_status[401], 4u);
}

TEST_F(TokenEndpointTest, SecretWithUrlSpecialCharacters) {
  Config c = DemoConfig();
  c.app().secrets.push_back(
      Secret{"0f0e0d0c-1b1a-4918-8716-151413121110", "a+b/c=d~e.f_g-h%i&j", 0});
  Start(c);
  EXPECT_EQ(Post(TokenForm("a+b/c=d~e.f_g-h%i&j")).status, 200);
  EXPECT_EQ(Post(TokenForm("a b/c=d~e.f_g-h%i&j")).status, 401);  // '+' must be encoded
}

TEST_F(TokenEndpointTest, ThrottlingAndServerFaults) {
  Start();
  Faults f;
  f.token_http_429_retry_after = 60;
  f.token_fault_count = 1;
  emu_->SetFaults(f);
  HttpResult r = Post(TokenForm());
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "60");
  EXPECT_EQ(r.body.find('{'), std::string::npos);  // plain text
  EXPECT_EQ(Post(TokenForm()).status, 200);        // budget used up

  f = Faults{};
  f.token_http_500 = true;
  emu_->SetFaults(f);
  ExpectAadError(Post(TokenForm()), 500, "temporarily_unavailable", 90033);

  f = Faults{};
  f.token_non_json_body = true;
  emu_->SetFaults(f);
  r = Post(TokenForm());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("<html>", 0), 0u);

  f = Faults{};
  f.token_oversized_body_bytes = 10 * 1024 * 1024;
  emu_->SetFaults(f);
  r = Post(TokenForm());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), 10u * 1024u * 1024u);

  f = Faults{};
  f.token_delay_ms = 700;
  emu_->SetFaults(f);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Post(TokenForm()).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(650));
}

TEST_F(TokenEndpointTest, StatsAndKeysAreServed) {
  Start();
  Post(TokenForm());
  HttpResult r = HttpsRequest(*emu_, "GET", "/_emulator/stats", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"token_successes\":1"), std::string::npos) << r.body;
  r = HttpsRequest(*emu_, "GET", std::string("/") + kDemoTenantId + "/discovery/v2.0/keys", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"kty\":\"RSA\""), std::string::npos);
  r = HttpsRequest(*emu_, "GET", std::string("/") + kDemoTenantId + "/oauth2/v2.0/token", "");
  EXPECT_EQ(r.status, 400);
}

}  // namespace
}  // namespace m365emu::testing
