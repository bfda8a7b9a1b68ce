// The DATA payload: CRLF line endings, dot-stuffing, the closing dot.
#include "smtp/smtp_data.hpp"

#include <gtest/gtest.h>

namespace m365 {
namespace {

TEST(SmtpDataTest, EndsWithTheClosingDot) {
  EXPECT_EQ(EncodeDataPayload("a\r\nb\r\n"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(EncodeDataPayload("no final break"), "no final break\r\n.\r\n");
  EXPECT_EQ(EncodeDataPayload(""), ".\r\n");
}

TEST(SmtpDataTest, DotStuffsLinesStartingWithADot) {
  EXPECT_EQ(EncodeDataPayload(".\r\n"), "..\r\n.\r\n");
  EXPECT_EQ(EncodeDataPayload("a\r\n.b\r\n..c\r\nd.e\r\n"), "a\r\n..b\r\n...c\r\nd.e\r\n.\r\n");
  EXPECT_EQ(EncodeDataPayload(".first"), "..first\r\n.\r\n");
}

TEST(SmtpDataTest, NormalisesLineEndings) {
  EXPECT_EQ(EncodeDataPayload("a\nb\rc\r\n\n.d"), "a\r\nb\r\nc\r\n\r\n..d\r\n.\r\n");
}

}  // namespace
}  // namespace m365
