// The settings page's HTTP side as a browser sees it (docs/settings-page.md,
// "Security"): the security headers, the cookie's flags, the CSRF token on
// every POST, escaping, the lockout, expiring sessions, a write-only secret.
// A fake channel stands in for a plugin: the page must work from its field
// descriptors alone.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>

#include "command_support.hpp"
#include "service/api_http_server.hpp"
#include "state/ruleset_repository.hpp"
#include "test_state_dir.hpp"
#include "web/page_html.hpp"
#include "web/page_routes.hpp"
#include "web/sign_in_throttle.hpp"

namespace notify_host::web {
namespace {

namespace fs = std::filesystem;
using notify::FieldDescriptor;
using notify::FieldType;
using service_test::TestStateDir;

constexpr const char* kPassword = "correct horse battery staple";
constexpr const char* kSecret = "S3cret-Value-never-shown-9f8e7d";
constexpr const char* kHostile = "<script>alert(1)</script>";

// A channel with a text, a secret and an advanced choice field. Online, the
// secret "wrong" fails the login step with a reply quoting the server name.
class FakeChannel : public notify::NotificationChannel {
 public:
  notify::ChannelInfo Info() const noexcept override {
    return {"fake", "Fake channel", "1.0.0", ""};
  }
  std::vector<FieldDescriptor> Fields() const noexcept override {
    FieldDescriptor name{"server_name", "Server Name", FieldType::kText, true};
    name.help = "any name";
    FieldDescriptor host{"host", "Host", FieldType::kText, false, "mail.example.com"};
    FieldDescriptor secret{"secret", "Secret", FieldType::kSecret, true};
    FieldDescriptor mode{"mode", "Mode", FieldType::kChoice, false, "fast", {"fast", "slow"}};
    mode.group = notify::FieldGroup::kAdvanced;
    return {name, host, secret, mode};
  }
  notify::ValidationReport Validate(const notify::Settings& s,
                                    const notify::ValidationOptions& o) noexcept override {
    notify::ValidationReport r;
    auto get = [&](const char* k) { return s.count(k) ? s.at(k) : std::string(); };
    if (get("server_name").empty())
      r.issues.push_back(
          {"server_name", notify::Severity::kError, "Server Name is required", "type a name"});
    if (get("secret").empty())
      r.issues.push_back({"secret", notify::Severity::kError, "Secret is required", "type it"});
    if (!r.issues.empty() || o.mode == notify::ValidationMode::kOffline) return r;
    bool wrong = get("secret") == "wrong";
    r.steps.push_back({"login", wrong ? notify::StepOutcome::kFailed : notify::StepOutcome::kPassed,
                       7, "server said: 535 <b>" + get("server_name") + "</b>",
                       wrong ? "use the right secret for <host>" : ""});
    return r;
  }
  notify::OpenResult Open(const notify::Settings&) noexcept override { return {}; }
};

struct Reply {
  int status = 0;
  std::string body;
  std::string location;
  std::vector<std::string> cookies;
  Poco::Net::NameValueCollection headers;
};

class PageHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.plugins.channels.push_back(
        {"", "fake", "Fake channel", "1.0.0", {}, std::make_shared<FakeChannel>()});
    // A cheap Argon2id hash: the page reads the cost from the stored string.
    ASSERT_EQ(sodium_init() >= 0, true);
    char hash[crypto_pwhash_STRBYTES];
    ASSERT_EQ(crypto_pwhash_str(hash, kPassword, strlen(kPassword), crypto_pwhash_OPSLIMIT_MIN,
                                crypto_pwhash_MEMLIMIT_MIN),
              0);
    std::ofstream(dir_ / "admin-password") << hash << "\n";

    PageRoutes routes;
    routes.env = &env_;
    routes.password_file = (dir_ / "admin-password").string();
    routes.now_ms = [this] { return now_ms_.load(); };
    routes.saved = [this] { ++saved_; };
    AddPageRoutes(router_, routes);
    HttpSettings settings;
    settings.port = 0;
    server_ = std::make_unique<ApiHttpServer>(settings, router_,
                                              [](const std::string&) { return false; });
    server_->Start();
  }
  void TearDown() override {
    server_->Stop(1000);
    server_.reset();
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& cookie = "",
             const std::string& form = "") {
    Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!cookie.empty()) request.set("Cookie", cookie);
    if (method == "POST") {
      request.setContentType("application/x-www-form-urlencoded");
      request.setContentLength64(static_cast<Poco::Int64>(form.size()));
    }
    session.sendRequest(request) << form;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply r;
    r.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    r.location = response.get("Location", "");
    for (auto it = response.find("Set-Cookie"); it != response.end() && it->first == "Set-Cookie";
         ++it)
      r.cookies.push_back(it->second);
    r.headers = response;
    return r;
  }
  static std::string Enc(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "&=+;/?:@#", out);
    return out;
  }
  static std::string CookieOf(const Reply& r) {
    for (const auto& c : r.cookies)
      if (c.rfind("nh_session=", 0) == 0) return c.substr(0, c.find(';'));
    return "";
  }
  static std::string Csrf(const std::string& body) {
    std::smatch m;
    std::regex_search(body, m, std::regex("name=\"_csrf\" value=\"([0-9a-f]+)\""));
    return m.size() > 1 ? m[1].str() : "";
  }
  // Signs in; returns the signed-in cookie ("" on failure).
  std::string SignIn(const std::string& password = kPassword, Reply* answer = nullptr) {
    auto form = Call("GET", "/signin");
    auto cookie = CookieOf(form);
    auto r =
        Call("POST", "/signin", cookie, "_csrf=" + Csrf(form.body) + "&password=" + Enc(password));
    if (answer) *answer = r;
    return r.status == 303 ? CookieOf(r) : "";
  }
  std::string SaveForm(const std::string& csrf, const std::string& server_name,
                       const std::string& secret) {
    return "_csrf=" + csrf + "&_ruleset=ops&_channel=fake&server_name=" + Enc(server_name) +
           "&host=mail.example.com&secret=" + Enc(secret) + "&mode=fast";
  }
  bool Stored(const std::string& name) {
    std::ostringstream why;
    auto* db = OpenState(env_, why);
    auto tx = db->BeginRead();
    return state::RulesetRepository(tx).Find(name).has_value();
  }

  TestStateDir state_{"page-http"};
  const fs::path& dir_ = state_.dir;
  HostEnv& env_ = state_.env;
  std::atomic<std::int64_t> now_ms_{1'700'000'000'000};
  std::atomic<int> saved_{0};
  ApiRouter router_;
  std::unique_ptr<ApiHttpServer> server_;
};

TEST_F(PageHttp, EveryPageCarriesTheCspAndRefusesFraming) {
  auto cookie = SignIn();
  ASSERT_FALSE(cookie.empty());
  for (const std::string path : {"/signin", "/", "/ruleset?name=ops", "/static/page.css"}) {
    auto r = Call("GET", path, path == "/signin" ? "" : cookie);
    EXPECT_EQ(r.headers.get("Content-Security-Policy", "").rfind("default-src 'self';", 0), 0u)
        << path;
    EXPECT_NE(r.headers.get("Content-Security-Policy", "").find("frame-ancestors 'none'"),
              std::string::npos);
    EXPECT_EQ(r.headers.get("X-Frame-Options", ""), "DENY") << path;
    EXPECT_EQ(r.headers.get("X-Content-Type-Options", ""), "nosniff") << path;
    // No inline script or style for the CSP to block: scripts only by src.
    EXPECT_EQ(std::regex_search(r.body, std::regex("<script(?![^>]*\\bsrc=)")), false) << path;
    EXPECT_EQ(r.body.find("<style"), std::string::npos) << path;
    EXPECT_EQ(r.body.find(" style="), std::string::npos) << path;
  }
}

TEST_F(PageHttp, TheSessionCookieIsHttpOnlyStrictAndRenewedAtSignIn) {
  auto form = Call("GET", "/signin");
  ASSERT_EQ(form.cookies.size(), 1u);
  EXPECT_NE(form.cookies[0].find("; HttpOnly"), std::string::npos) << form.cookies[0];
  EXPECT_NE(form.cookies[0].find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(form.cookies[0].find("; Path=/"), std::string::npos);
  EXPECT_EQ(form.cookies[0].find("Secure"), std::string::npos) << "plain HTTP: no Secure";
  auto r = Call("POST", "/signin", CookieOf(form),
                "_csrf=" + Csrf(form.body) + "&password=" + Enc(kPassword));
  ASSERT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(r.location, "/");
  ASSERT_EQ(r.cookies.size(), 1u);
  EXPECT_NE(CookieOf(r), CookieOf(form)) << "a new id at sign-in";
  EXPECT_NE(r.cookies[0].find("; HttpOnly; SameSite=Strict"), std::string::npos);
  EXPECT_EQ(Call("GET", "/", CookieOf(form)).status, 303) << "the form's id signs nobody in";
  EXPECT_EQ(Call("GET", "/", CookieOf(r)).status, 200);
  EXPECT_NE(SessionCookie("abc", true).find("; Secure"), std::string::npos) << "under TLS";
}

TEST_F(PageHttp, APostWithoutTheSessionsCsrfTokenIsRefusedAndChangesNothing) {
  auto cookie = SignIn();
  ASSERT_FALSE(cookie.empty());
  const std::string csrf = Csrf(Call("GET", "/", cookie).body);
  ASSERT_FALSE(csrf.empty());
  auto without = SaveForm("", "ops", kSecret).substr(std::string("_csrf=").size());
  for (const std::string& form : {without, SaveForm(std::string(64, 'a'), "ops", kSecret)}) {
    auto r = Call("POST", "/ruleset", cookie, form);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find("nothing was changed"), std::string::npos);
  }
  EXPECT_FALSE(Stored("ops"));
  EXPECT_EQ(Call("POST", "/signout", cookie, "").status, 403);
  EXPECT_EQ(Call("GET", "/", cookie).status, 200) << "still signed in";
  // The sign-in form's own token is checked too.
  auto form = Call("GET", "/signin");
  EXPECT_EQ(Call("POST", "/signin", CookieOf(form), "password=" + Enc(kPassword)).status, 403);
  // With the token, Save stores.
  auto ok = Call("POST", "/ruleset", cookie, SaveForm(csrf, "ops", kSecret));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(Stored("ops"));
  EXPECT_EQ(saved_.load(), 1);
}

TEST_F(PageHttp, HostileTextFromTheAdminAndTheServerIsShownAsText) {
  auto cookie = SignIn();
  const std::string csrf = Csrf(Call("GET", "/", cookie).body);
  auto r = Call("POST", "/ruleset", cookie, SaveForm(csrf, kHostile, "wrong"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body.find("<script>alert"), std::string::npos);
  EXPECT_EQ(r.body.find("<b>"), std::string::npos);
  EXPECT_NE(r.body.find("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), std::string::npos);
  EXPECT_NE(r.body.find("535 &lt;b&gt;&lt;script&gt;"), std::string::npos) << "the step's detail";
  EXPECT_NE(r.body.find("for &lt;host&gt;"), std::string::npos) << "the remedy";
  EXPECT_NE(r.body.find("data-step=\"login\" data-outcome=\"failed\""), std::string::npos);
  EXPECT_FALSE(Stored("ops")) << "nothing stored on failure";
}

TEST_F(PageHttp, TheSecretIsWriteOnlyAndTheFormKeepsWhatWasTypedButIt) {
  auto cookie = SignIn();
  const std::string csrf = Csrf(Call("GET", "/", cookie).body);
  auto failed = Call("POST", "/ruleset", cookie, SaveForm(csrf, "typed name", "wrong"));
  EXPECT_EQ(failed.status, 422);
  EXPECT_NE(failed.body.find("value=\"typed name\""), std::string::npos);
  EXPECT_EQ(failed.body.find("value=\"wrong\""), std::string::npos);
  ASSERT_EQ(Call("POST", "/ruleset", cookie, SaveForm(csrf, "ops", kSecret)).status, 200);
  auto page = Call("GET", "/ruleset?name=ops", cookie);
  EXPECT_EQ(page.body.find(kSecret), std::string::npos);
  EXPECT_NE(page.body.find("placeholder=\"stored - type to replace\""), std::string::npos);
  EXPECT_NE(page.body.find("type the secret again"), std::string::npos) << "the rule, explained";
  // Changing another field without the secret: refused beside the secret field.
  auto refused = Call("POST", "/ruleset", cookie, SaveForm(csrf, "renamed", ""));
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.body.find("data-field=\"secret\""), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find(kSecret), std::string::npos);
  // Nothing changed: the secret is kept.
  EXPECT_EQ(Call("POST", "/ruleset", cookie, SaveForm(csrf, "ops", "")).status, 200);
}

TEST_F(PageHttp, RepeatedWrongPasswordsLockSignInForADelay) {
  Reply r;
  for (int i = 0; i < SignInThrottle::kFreeFailures; ++i) {
    EXPECT_EQ(SignIn("wrong password", &r), "");
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("Wrong password."), std::string::npos);
  }
  EXPECT_EQ(SignIn(kPassword, &r), "") << "locked: even the right password waits";
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("locked for 30 more seconds"), std::string::npos) << r.body;
  now_ms_ += 30'000;
  EXPECT_NE(SignIn(kPassword, &r), "") << r.body;
}

TEST_F(PageHttp, SessionsExpireWhenIdleAndEndAtSignOut) {
  auto cookie = SignIn();
  ASSERT_EQ(Call("GET", "/", cookie).status, 200);
  now_ms_ += 29 * 60 * 1000;
  ASSERT_EQ(Call("GET", "/", cookie).status, 200) << "used within 30 minutes";
  now_ms_ += 31 * 60 * 1000;
  auto expired = Call("GET", "/", cookie);
  EXPECT_EQ(expired.status, 303);
  EXPECT_EQ(expired.location, "/signin");

  cookie = SignIn();
  const std::string csrf = Csrf(Call("GET", "/", cookie).body);
  auto out = Call("POST", "/signout", cookie, "_csrf=" + csrf);
  EXPECT_EQ(out.status, 303);
  ASSERT_EQ(out.cookies.size(), 1u);
  EXPECT_NE(out.cookies[0].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Call("GET", "/", cookie).status, 303) << "the old cookie is worth nothing";
}

}  // namespace
}  // namespace notify_host::web
