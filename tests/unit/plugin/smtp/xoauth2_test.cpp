// The XOAUTH2 initial response, checked against the worked example of
// docs/microsoft-365.md, SMTP submission.
#include "smtp/xoauth2.hpp"

#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace m365 {
namespace {

TEST(Xoauth2Test, MatchesTheWorkedExample) {
  EXPECT_EQ(Xoauth2InitialResponse("test@contoso.onmicrosoft.com",
                                   "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA"),
            "dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNCQUFVRkZwVUFv"
            "N0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ==");
}

TEST(Xoauth2Test, LongTokensStayOnOneLine) {
  std::string token(4000, 'A');
  std::string response = Xoauth2InitialResponse("notify@contoso.onmicrosoft.com", token);
  EXPECT_EQ(response.find_first_of("\r\n"), std::string::npos);
  // 4 base64 characters per 3 bytes, padded.
  std::size_t raw = std::string(
                        "user=notify@contoso.onmicrosoft.com\x01"
                        "auth=Bearer ")
                        .size() +
                    token.size() + 2;
  EXPECT_EQ(response.size(), (raw + 2) / 3 * 4);
}

TEST(Xoauth2Test, DecodesAnErrorChallenge) {
  // base64 of {"status":"401","schemes":"bearer","scope":"https://outlook.office365.com/"}
  std::string challenge =
      "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL291dGxvb2sub2ZmaWNl"
      "MzY1LmNvbS8ifQ==";
  EXPECT_EQ(
      DecodeXoauth2Challenge(challenge),
      "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://outlook.office365.com/\"}");
  EXPECT_EQ(DecodeXoauth2Challenge("not base64!"), "");
  EXPECT_EQ(DecodeXoauth2Challenge(""), "");
}

TEST(Xoauth2Test, ChallengeTextIsBoundedAndPrintable) {
  std::string long_challenge(8000, 'Q');  // decodes to 0x41 0x04 0x10 ...
  std::string decoded = DecodeXoauth2Challenge(long_challenge);
  EXPECT_LE(decoded.size(), 512u);
  for (char c : decoded) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

// The XOAUTH2 response is standard base64 with padding on one line, as
// Poco's encoder writes it, for every padding case.
TEST(Xoauth2Test, EncodingEqualsPocoBase64ForEveryPadding) {
  for (std::string token : {"", "a", "ab", "abc", "abcd", "eyJ0eXAiOiJKV1Qi.x.y"}) {
    std::ostringstream expected;
    Poco::Base64Encoder encoder(expected);
    encoder.rdbuf()->setLineLength(0);
    encoder << "user=u@contoso.com\x01"
            << "auth=Bearer " << token << "\x01\x01";
    encoder.close();
    EXPECT_EQ(Xoauth2InitialResponse("u@contoso.com", token), expected.str()) << token;
  }
}

}  // namespace
}  // namespace m365
