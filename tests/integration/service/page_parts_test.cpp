// The settings page's small parts (docs/settings-page.md): escaping, form
// bodies, cookies, the lockout's schedule, the admin password's hash.
#include <gtest/gtest.h>

#include "web/admin_password.hpp"
#include "web/form_body.hpp"
#include "web/html_escape.hpp"
#include "web/page_sessions.hpp"
#include "web/sign_in_throttle.hpp"

namespace notify_host::web {
namespace {

TEST(HtmlEscape, MarkupQuotesAndAmpersandsBecomeReferences) {
  EXPECT_EQ(HtmlEscape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("plain text, 100% ok"), "plain text, 100% ok");
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9"), "caf\xC3\xA9") << "valid UTF-8 kept";
}

TEST(HtmlEscape, InvalidUtf8AndForbiddenControlsBecomeReplacementCharacters) {
  EXPECT_EQ(HtmlEscape(std::string("a\xFF<", 3)), "a\xEF\xBF\xBD&lt;");
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x01\x7f", 5)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(HtmlEscape("line\nnext\tTab"), "line\nnext\tTab");
}

TEST(FormBody, DecodesPlusAndPercentAndKeepsTheLastOfRepeatedNames) {
  auto f = ParseFormBody("a=1+2%3D3&b=%3Cx%3E&a=again&empty=&flag&bad=%zz");
  EXPECT_EQ(f["a"], "again");
  EXPECT_EQ(f["b"], "<x>");
  EXPECT_EQ(f["empty"], "");
  EXPECT_EQ(f.count("flag"), 1u);
  EXPECT_EQ(f["bad"], "%zz");
  EXPECT_EQ(ParseFormBody("x=1+2%3D3")["x"], "1 2=3");
}

TEST(CookieValue, FindsTheNamedCookieOnly) {
  EXPECT_EQ(CookieValue("a=1; nh_session=abc; b=2", "nh_session"), "abc");
  EXPECT_EQ(CookieValue("xnh_session=abc", "nh_session"), "");
  EXPECT_EQ(CookieValue("", "nh_session"), "");
}

TEST(PageSessions, AnonymousFormsAreDroppedBeforeSignedInSessionsWhenFull) {
  std::int64_t now = 0;
  PageSessions::Limits limits;
  limits.max_sessions = 2;
  PageSessions sessions(limits, [&] { return now; });
  auto admin = sessions.Start(true);
  for (int i = 0; i < 10; ++i) {
    ++now;
    sessions.Start(false);
  }
  EXPECT_TRUE(sessions.Find(admin.id)) << "a flood of sign-in forms does not sign the admin out";
  EXPECT_NE(admin.id, admin.csrf);
  EXPECT_EQ(admin.id.size(), 64u);
}

TEST(PageSessions, ASessionEndsAfterItsLifetimeEvenWhenUsed) {
  std::int64_t now = 0;
  PageSessions sessions({}, [&] { return now; });
  auto s = sessions.Start(true);
  for (int i = 0; i < 8 * 3; ++i) {
    now += 20 * 60 * 1000;  // used every 20 minutes
    if (now >= 8 * 3600 * 1000) break;
    ASSERT_TRUE(sessions.Find(s.id)) << now;
  }
  now = 8 * 3600 * 1000;
  EXPECT_FALSE(sessions.Find(s.id));
}

TEST(SignInThrottle, TheDelayStartsAfterFiveFailuresDoublesAndIsCapped) {
  std::int64_t now = 0;
  SignInThrottle t([&] { return now; });
  for (int i = 0; i < 4; ++i) {
    t.Failed();
    EXPECT_EQ(t.WaitMs(), 0);
  }
  t.Failed();
  EXPECT_EQ(t.WaitMs(), 30'000);
  now += 30'000;
  t.Failed();
  EXPECT_EQ(t.WaitMs(), 60'000);
  for (int i = 0; i < 10; ++i) t.Failed();
  EXPECT_EQ(t.WaitMs(), 15 * 60 * 1000);
  t.Succeeded();
  EXPECT_EQ(t.WaitMs(), 0);
}

TEST(AdminPassword, TheHashIsArgon2idAndOnlyTheRightPasswordMatches) {
  const std::string hash = HashAdminPassword("a long enough password");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_NE(hash.find("m=65536,t=3"), std::string::npos) << hash;
  EXPECT_NE(hash, HashAdminPassword("a long enough password")) << "salted";
  EXPECT_TRUE(AdminPasswordMatches("a long enough password", hash));
  EXPECT_FALSE(AdminPasswordMatches("a long enough passworD", hash));
  EXPECT_FALSE(AdminPasswordMatches("", ""));
}

}  // namespace
}  // namespace notify_host::web
