// The HTTP API's parts that need no listener: API keys, the notification
// body's checks, the retry schedule, the tell-tale of a ruleset's failure.
#include <gtest/gtest.h>

#include "service/api_key.hpp"
#include "service/api_response.hpp"
#include "service/notification_request.hpp"
#include "service/retry_schedule.hpp"
#include "service/ruleset_failure.hpp"

namespace notify_host {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ApiKey, ANewKeyMatchesItsHashAndNoOtherKeyDoes) {
  NewApiKey a = MakeApiKey();
  NewApiKey b = MakeApiKey();
  EXPECT_NE(a.key, b.key);
  EXPECT_EQ(a.hash.size(), 64u);
  EXPECT_EQ(a.key.find(a.hash), std::string::npos) << "the key is not its own hash";
  EXPECT_TRUE(ApiKeyMatches(a.key, a.hash));
  EXPECT_FALSE(ApiKeyMatches(b.key, a.hash));
  EXPECT_FALSE(ApiKeyMatches(a.key, a.hash.substr(0, 63)));
  EXPECT_FALSE(ApiKeyMatches("", a.hash));
}

TEST(ApiKey, TheBearerTokenIsTakenFromTheAuthorizationHeader) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken(""), std::nullopt);
}

// The message of the ApiError that parsing `body` throws, or "" when none.
ApiError ErrorOf(const std::string& body) {
  try {
    ParseNotifications(body);
  } catch (const ApiError& e) {
    return e;
  }
  return {0, "", ""};
}

TEST(NotificationBody, AnObjectAndAnArrayOfObjectsAreRead) {
  auto one = ParseNotifications(
      R"({"ruleset":"ops","to":["a@contoso.com"],"subject":"Disk full","body":"93%",
          "attachments":[{"name":"a.txt","content_type":"text/plain","content_base64":"aGVsbG8="}]})");
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_FALSE(one.was_array);
  EXPECT_EQ(one.items[0].ruleset, "ops");
  EXPECT_EQ(one.items[0].message.to, std::vector<std::string>{"a@contoso.com"});
  ASSERT_EQ(one.items[0].message.attachments.size(), 1u);
  EXPECT_EQ(one.items[0].message.attachments[0].bytes, "hello");
  auto two = ParseNotifications(
      R"([{"ruleset":"ops","bcc":["a@x.com"],"subject":"s"},{"ruleset":"ops","cc":["b@x.com"],"subject":"t","html":"<p>t</p>"}])");
  ASSERT_EQ(two.items.size(), 2u);
  EXPECT_TRUE(two.was_array);
  EXPECT_EQ(two.items[1].message.html_body, "<p>t</p>");
}

TEST(NotificationBody, EveryErrorNamesTheFieldAndWhatItMustBe) {
  auto e = ErrorOf("{not json");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "malformed_json");
  e = ErrorOf(R"({"to":["a@x.com"],"subject":"s"})");
  EXPECT_EQ(e.status, 422);
  EXPECT_EQ(e.message, "ruleset: is required");
  e = ErrorOf(
      R"([{"ruleset":"ops","to":["a@x.com"],"subject":"s"},{"ruleset":"ops","to":["a@x.com",7],"subject":"s"}])");
  EXPECT_EQ(e.message, "[1].to[1]: must be a string");
  e = ErrorOf(R"({"ruleset":"ops","subject":"s"})");
  EXPECT_EQ(e.message, "to: give at least one to, cc or bcc address");
  e = ErrorOf(R"({"ruleset":"ops","to":"a@x.com","subject":"s"})");
  EXPECT_EQ(e.message, "to: must be an array of e-mail addresses");
  e = ErrorOf(R"({"ruleset":"ops","to":["a@x.com"],"subject":"s","priority":1})");
  EXPECT_EQ(e.message.rfind("priority: is not a known key", 0), 0u) << e.message;
  e = ErrorOf(R"({"ruleset":"../etc","to":["a@x.com"],"subject":"s"})");
  EXPECT_EQ(e.message.rfind("ruleset: ruleset names are", 0), 0u) << e.message;
  e = ErrorOf(
      R"({"ruleset":"ops","to":["a@x.com"],"subject":"s","attachments":[{"name":"a","content_base64":"!!!"}]})");
  EXPECT_EQ(e.message, "attachments[0].content_base64: is not base64");
  e = ErrorOf("[]");
  EXPECT_EQ(e.message, "body: the array holds no notification");
  e = ErrorOf(R"({"ruleset":"ops","to":["a@x.com"],"subject":5})");
  EXPECT_EQ(e.message, "subject: must be a string");
}

TEST(RetrySchedule, TheWaitDoublesUpToTheCapWithHalfOfItJittered) {
  RetrySettings s;
  s.base = seconds(30);
  s.cap = seconds(3600);
  EXPECT_EQ(RetryDelay(s, 1, 0, 0.0), seconds(15));
  EXPECT_EQ(RetryDelay(s, 1, 0, 0.999), milliseconds(29985));
  EXPECT_EQ(RetryDelay(s, 2, 0, 0.0), seconds(30));
  EXPECT_EQ(RetryDelay(s, 3, 0, 0.0), seconds(60));
  EXPECT_EQ(RetryDelay(s, 20, 0, 0.0), seconds(1800));
  EXPECT_EQ(RetryDelay(s, 20, 0, 1.0), seconds(3600));
  EXPECT_EQ(RetryDelay(s, 1000, 0, 0.5), seconds(2700));
}

TEST(RetrySchedule, TheChannelsRetryAfterIsTheLeastWait) {
  RetrySettings s;
  s.base = seconds(30);
  EXPECT_EQ(RetryDelay(s, 1, 120, 0.0), seconds(120));
  EXPECT_EQ(RetryDelay(s, 5, 10, 0.0), seconds(240));
  s.cap = seconds(90);
  EXPECT_EQ(RetryDelay(s, 1, 120, 0.0), seconds(90)) << "retry_max bounds every wait";
}

notify::DeliveryResult Rejected(int code, const std::string& enhanced, const std::string& detail) {
  notify::DeliveryResult r;
  r.status = notify::DeliveryStatus::kRejected;
  r.code = code;
  r.enhanced = enhanced;
  r.detail = detail;
  return r;
}

TEST(RulesetFailure, ARefusedTokenOrLoginIsTheRulesetsAndABadAddressIsTheMessages) {
  EXPECT_TRUE(IsRulesetLevel(
      Rejected(0, "", "token: AADSTS7000222 the secret expired. Remedy: create a new secret")));
  EXPECT_TRUE(IsRulesetLevel(Rejected(535, "5.7.3", "Authentication unsuccessful")));
  EXPECT_TRUE(IsRulesetLevel(Rejected(550, "5.7.60", "SMTP; Client does not have permissions")));
  EXPECT_FALSE(IsRulesetLevel(Rejected(550, "5.1.10", "Recipient not found")));
  EXPECT_FALSE(
      IsRulesetLevel(Rejected(0, "", "invalid message: to[0]: 'x' is not an e-mail address")));
  notify::DeliveryResult later;
  later.status = notify::DeliveryStatus::kRetryLater;
  EXPECT_FALSE(IsRulesetLevel(later));
  auto f =
      FindRulesetFailure({Rejected(550, "5.1.10", "nobody"),
                          Rejected(0, "", "token: AADSTS7000222 expired. Remedy: new secret")});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->cause, "token: AADSTS7000222 expired.");
  EXPECT_EQ(f->remedy, "new secret");
  EXPECT_FALSE(FindRulesetFailure({Rejected(550, "5.1.10", "nobody")}));
}

}  // namespace
}  // namespace notify_host
