// The SMTP reply parser: single and multi-line replies, enhanced status
// codes, replies split across reads, and the size limits.
#include "smtp/smtp_reply.hpp"

#include <gtest/gtest.h>

#include <string>

#include "smtp/smtp_reply_parser.hpp"

namespace m365 {
namespace {

using State = SmtpReplyParser::State;

TEST(SmtpReplyTest, SingleLineWithEnhancedCode) {
  SmtpReply reply = ParseSmtpReply("235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(reply.code, 235);
  EXPECT_EQ(reply.enhanced, "2.7.0");
  EXPECT_EQ(reply.text, "Authentication successful");
  ASSERT_EQ(reply.lines.size(), 1u);
  EXPECT_TRUE(reply.positive());
  EXPECT_EQ(reply.ToString(), "235 2.7.0 Authentication successful");
}

TEST(SmtpReplyTest, GreetingWithoutEnhancedCode) {
  SmtpReply reply = ParseSmtpReply(
      "220 SY5P282CA0097.outlook.office365.com Microsoft ESMTP MAIL Service ready\r\n");
  EXPECT_EQ(reply.code, 220);
  EXPECT_EQ(reply.enhanced, "");
  EXPECT_EQ(reply.text, "SY5P282CA0097.outlook.office365.com Microsoft ESMTP MAIL Service ready");
}

TEST(SmtpReplyTest, MultiLineEhlo) {
  SmtpReply reply = ParseSmtpReply(
      "250-EM2P281CA0001.outlook.office365.com Hello [127.0.0.1]\r\n"
      "250-SIZE 157286400\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
      "250-8BITMIME\r\n250-AUTH LOGIN XOAUTH2\r\n250 SMTPUTF8\r\n");
  EXPECT_EQ(reply.code, 250);
  ASSERT_EQ(reply.lines.size(), 7u);
  EXPECT_EQ(reply.lines[1], "SIZE 157286400");
  EXPECT_EQ(reply.lines[5], "AUTH LOGIN XOAUTH2");
  EXPECT_EQ(reply.text, "SMTPUTF8");
  EXPECT_EQ(reply.enhanced, "");  // "8BITMIME" is not an enhanced code
}

TEST(SmtpReplyTest, ErrorRepliesAndClasses) {
  SmtpReply auth = ParseSmtpReply(
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
      "Tenant.\r\n");
  EXPECT_EQ(auth.enhanced, "5.7.139");
  EXPECT_TRUE(auth.permanent());
  SmtpReply busy =
      ParseSmtpReply("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded\r\n");
  EXPECT_EQ(busy.enhanced, "4.3.2");
  EXPECT_TRUE(busy.transient());
  EXPECT_FALSE(busy.positive());
  SmtpReply data = ParseSmtpReply("354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  EXPECT_EQ(data.code, 354);
  EXPECT_TRUE(data.positive());
}

TEST(SmtpReplyTest, EnhancedCodeMustMatchTheReplyClass) {
  // A 250 whose text starts with "5.0.0" does not carry an enhanced code.
  SmtpReply reply = ParseSmtpReply("250 5.0.0 odd\r\n");
  EXPECT_EQ(reply.enhanced, "");
  EXPECT_EQ(reply.text, "5.0.0 odd");
  EXPECT_EQ(ParseSmtpReply("250 2.1.0\r\n").enhanced, "2.1.0");
  EXPECT_EQ(ParseSmtpReply("250 2.1.0x\r\n").enhanced, "");
  EXPECT_EQ(ParseSmtpReply("250 2.1234.0 x\r\n").enhanced, "");
}

TEST(SmtpReplyTest, EnhancedCodeOnlyOnTheFirstLine) {
  SmtpReply reply = ParseSmtpReply("550-5.7.60 SMTP; Client does not have\r\n550 permissions\r\n");
  EXPECT_EQ(reply.enhanced, "5.7.60");
  EXPECT_EQ(reply.text, "permissions");
}

TEST(SmtpReplyTest, BareCodeAndBareLf) {
  SmtpReply reply = ParseSmtpReply("334\r\n");
  EXPECT_EQ(reply.code, 334);
  EXPECT_EQ(reply.text, "");
  EXPECT_EQ(ParseSmtpReply("221 2.0.0 Bye\n").code, 221);
}

TEST(SmtpReplyTest, ReplySplitAcrossReads) {
  SmtpReplyParser parser;
  std::string raw = "250-first\r\n250-second\r\n250 third\r\n";
  for (std::size_t i = 0; i + 1 < raw.size(); ++i) {
    EXPECT_EQ(parser.Feed(raw.substr(i, 1)), 1u);
    EXPECT_EQ(parser.state(), State::kIncomplete);
  }
  EXPECT_EQ(parser.Feed(raw.substr(raw.size() - 1)), 1u);
  ASSERT_EQ(parser.state(), State::kComplete);
  EXPECT_EQ(parser.reply().lines.size(), 3u);
}

TEST(SmtpReplyTest, StopsAfterOneReply) {
  SmtpReplyParser parser;
  std::string raw = "220 2.0.0 SMTP server ready\r\n250 injected\r\n";
  std::size_t used = parser.Feed(raw);
  EXPECT_EQ(parser.state(), State::kComplete);
  EXPECT_EQ(raw.substr(used), "250 injected\r\n");
  EXPECT_EQ(parser.Feed("more"), 0u);
  parser.Reset();
  EXPECT_EQ(parser.state(), State::kIncomplete);
  parser.Feed(raw.substr(used));
  EXPECT_EQ(parser.reply().text, "injected");
}

TEST(SmtpReplyTest, MalformedReplies) {
  for (const char* raw : {"hello\r\n", "25\r\n", "250x\r\n", "199 too low\r\n", "600 high\r\n",
                          "abc def\r\n", "\r\n"}) {
    SmtpReplyParser parser;
    parser.Feed(raw);
    EXPECT_EQ(parser.state(), State::kMalformed) << raw;
    EXPECT_FALSE(parser.error().empty());
  }
  SmtpReplyParser parser;
  parser.Feed("250-a\r\n251 b\r\n");
  EXPECT_EQ(parser.state(), State::kMalformed);
  EXPECT_NE(parser.error().find("changed"), std::string::npos);
  EXPECT_EQ(ParseSmtpReply("250 ok\r\nextra").code, 0);
  EXPECT_EQ(ParseSmtpReply("250 no end").code, 0);
}

TEST(SmtpReplyTest, LineLengthIsLimited) {
  SmtpReplyParser parser;
  std::string line(SmtpReplyParser::kMaxLineBytes + 10, 'x');
  std::size_t used = parser.Feed("250 " + line);
  EXPECT_EQ(parser.state(), State::kMalformed);
  EXPECT_LE(used, SmtpReplyParser::kMaxLineBytes + 1);
}

TEST(SmtpReplyTest, LineCountIsLimited) {
  SmtpReplyParser parser;
  std::string raw;
  for (std::size_t i = 0; i < SmtpReplyParser::kMaxLines + 5; ++i) raw += "250-line\r\n";
  parser.Feed(raw);
  EXPECT_EQ(parser.state(), State::kMalformed);
}

TEST(SmtpReplyTest, TotalSizeIsLimited) {
  SmtpReplyParser parser;
  std::string line = "250-" + std::string(1000, 'y') + "\r\n";
  std::size_t fed = 0;
  while (parser.state() == State::kIncomplete && fed < 10 * SmtpReplyParser::kMaxReplyBytes) {
    parser.Feed(line);
    fed += line.size();
  }
  EXPECT_EQ(parser.state(), State::kMalformed);
  EXPECT_LE(fed, SmtpReplyParser::kMaxReplyBytes + line.size());
}

TEST(SmtpReplyTest, ToStringWithoutReply) {
  EXPECT_EQ(SmtpReply().ToString(), "no reply");
  EXPECT_EQ(ParseSmtpReply("250 OK\r\n").ToString(), "250 OK");
}

}  // namespace
}  // namespace m365
