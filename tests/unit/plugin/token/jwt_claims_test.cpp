// Decoding (not verifying) access-token claims.
#include "token/jwt_claims.hpp"

#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace m365 {
namespace {

std::string Base64Url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string Jwt(const std::string& payload_json) {
  return Base64Url(R"({"typ":"JWT","alg":"RS256"})") + "." + Base64Url(payload_json) + ".c2ln";
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

}  // namespace
}  // namespace m365
