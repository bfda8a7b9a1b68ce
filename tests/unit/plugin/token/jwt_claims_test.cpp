// Decoding (not verifying) access-token claims.
#include "token/jwt_claims.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace m365 {
namespace {

std::string Jwt(const std::string& payload_json) {
  return EncodeBase64Url(R"({"typ":"JWT","alg":"RS256"})") + "." + EncodeBase64Url(payload_json) +
         ".c2ln";
}

TEST(JwtClaimsTest, ReadsTheClaimsValidationInspects) {
  auto claims = DecodeJwtClaims(Jwt(
      R"({"aud":"https://outlook.office365.com","iss":"https://sts.windows.net/t-1/",)"
      R"("tid":"t-1","appid":"c-1","oid":"sp-1","roles":["SMTP.SendAsApp"],"exp":1767225600})"));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_TRUE(claims->HasAudience("https://outlook.office365.com"));
  EXPECT_TRUE(claims->HasAudience("https://outlook.office365.com/"));
  EXPECT_FALSE(claims->HasAudience("https://graph.microsoft.com"));
  EXPECT_EQ(claims->tenant_id, "t-1");
  EXPECT_EQ(claims->app_id, "c-1");
  EXPECT_EQ(claims->object_id, "sp-1");
  EXPECT_EQ(claims->issuer, "https://sts.windows.net/t-1/");
  EXPECT_TRUE(claims->has_roles_claim);
  EXPECT_TRUE(claims->HasRole("SMTP.SendAsApp"));
  EXPECT_FALSE(claims->HasRole("smtp.sendasapp"));
  EXPECT_EQ(claims->expires_unix, 1767225600);
}

TEST(JwtClaimsTest, V2TokensCarryAzpAndAudienceArrays) {
  auto claims =
      DecodeJwtClaims(Jwt(R"({"aud":["a","https://outlook.office365.com"],"azp":"c-2"})"));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->app_id, "c-2");
  EXPECT_TRUE(claims->HasAudience("https://outlook.office365.com"));
}

TEST(JwtClaimsTest, NoRolesClaim) {
  auto claims = DecodeJwtClaims(Jwt(R"({"aud":"https://outlook.office365.com","tid":"t"})"));
  ASSERT_TRUE(claims.ok());
  EXPECT_FALSE(claims->has_roles_claim);
  EXPECT_TRUE(claims->roles.empty());
  EXPECT_FALSE(claims->HasRole("SMTP.SendAsApp"));
}

TEST(JwtClaimsTest, PayloadsOfEveryLengthDecode) {
  for (std::string pad : {"", "x", "xx", "xxx"}) {
    auto claims = DecodeJwtClaims(Jwt(R"({"tid":")" + pad + R"("})"));
    ASSERT_TRUE(claims.ok()) << pad;
    EXPECT_EQ(claims->tenant_id, pad);
  }
}

TEST(JwtClaimsTest, MalformedTokensAreErrorsThatNeverQuoteTheToken) {
  for (std::string bad : {std::string("opaque-token"), std::string("a.b"), std::string("a.b.c.d"),
                          std::string("e30.%%%.sig"), Jwt("not json"), Jwt("[1,2]")}) {
    auto claims = DecodeJwtClaims(bad);
    EXPECT_FALSE(claims.ok()) << bad;
    EXPECT_EQ(claims.status().message().find(bad), std::string::npos);
  }
}

TEST(JwtClaimsTest, EachMalformedPartHasItsOwnFixedText) {
  const std::string payload = EncodeBase64Url(R"({"tid":"t"})");
  auto message = [](const std::string& token) { return DecodeJwtClaims(token).status().message(); };
  EXPECT_EQ(message("a.b"), "the access token is not a JWT (expected three dot-separated parts)");
  EXPECT_EQ(message("e30.%%%.sig"), "the access token's payload is not base64url");
  EXPECT_EQ(message("e30.a+/b.sig"), "the access token's payload is not base64url");
  EXPECT_EQ(message("e30.abcde.sig"), "the access token's payload is not base64url");
  EXPECT_EQ(message(Jwt("[1,2]")), "the access token's payload is not a JSON object");
  EXPECT_EQ(message(Jwt("not json")), "the access token's payload is not valid JSON");
  EXPECT_EQ(message(Jwt(R"({"exp":1e300})")), "the access token's payload is not valid JSON");
  // Poco::JWT reads the header too: it must be a base64url JSON object.
  EXPECT_EQ(message("%%." + payload + ".sig"), "the access token's header is not base64url JSON");
  EXPECT_EQ(message(EncodeBase64Url("nope") + "." + payload + ".sig"),
            "the access token's header is not base64url JSON");
  EXPECT_EQ(message(EncodeBase64Url("[1]") + "." + payload + ".sig"),
            "the access token's header is not base64url JSON");
}

TEST(JwtClaimsTest, PaddingAndAnEmptySignatureAreAccepted) {
  auto padded = DecodeJwtClaims("e30.eyJ0aWQiOiJ4In0=.sig");  // {} . {"tid":"x"}
  ASSERT_TRUE(padded.ok()) << padded.status().message();
  EXPECT_EQ(padded->tenant_id, "x");
  auto unsigned_token = DecodeJwtClaims("e30.eyJ0aWQiOiJ4In0.");
  ASSERT_TRUE(unsigned_token.ok()) << unsigned_token.status().message();
  EXPECT_EQ(unsigned_token->tenant_id, "x");
}

TEST(JwtClaimsTest, ClaimsOfTheWrongTypeAreLeftEmpty) {
  auto claims = DecodeJwtClaims(
      Jwt(R"({"aud":["a",7,null],"tid":5,"appid":false,"roles":"SMTP.SendAsApp","exp":"soon"})"));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->audiences, std::vector<std::string>{"a"});
  EXPECT_EQ(claims->tenant_id, "");
  EXPECT_EQ(claims->app_id, "");
  EXPECT_TRUE(claims->HasRole("SMTP.SendAsApp"));
  EXPECT_EQ(claims->expires_unix, 0);
}

TEST(JwtClaimsTest, Base64UrlDecoding) {
  bool ok = false;
  EXPECT_EQ(DecodeBase64Url("aGVsbG8", &ok), "hello");
  EXPECT_TRUE(ok);
  EXPECT_EQ(DecodeBase64Url("aGVsbG8=", &ok), "hello");
  EXPECT_TRUE(ok);
  EXPECT_EQ(DecodeBase64Url("-_8", &ok), "\xfb\xff");
  EXPECT_TRUE(ok);
  DecodeBase64Url("a", &ok);
  EXPECT_FALSE(ok);
  DecodeBase64Url("ab!c", &ok);
  EXPECT_FALSE(ok);
}

// The test tokens above are built with it: the known answers pin the
// alphabet (- and _, not + and /), no padding and no line breaks.
TEST(JwtClaimsTest, Base64UrlEncoding) {
  EXPECT_EQ(EncodeBase64Url("hello"), "aGVsbG8");
  EXPECT_EQ(EncodeBase64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(EncodeBase64Url(std::string(100, 'x')).find('\n'), std::string::npos);
}

}  // namespace
}  // namespace m365
