// The sendMail request parts (docs/delivery.md, The Microsoft Graph route).
#include "graph/graph_request.hpp"

#include <Poco/Base64Decoder.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "net/https_connection.hpp"

namespace m365 {
namespace {

std::string Decode(const std::string& base64) {
  std::istringstream in(base64);
  Poco::Base64Decoder decoder(in);
  std::string out((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return out;
}

TEST(GraphRequestTest, TheMailboxIsOnePathSegment) {
  EXPECT_EQ(GraphUserPath("", "notify@contoso.com", "sendMail"),
            "/v1.0/users/notify@contoso.com/sendMail");
  EXPECT_EQ(GraphUserPath("/graph", "a/b?c#d%e@contoso.com", "messages"),
            "/graph/v1.0/users/a%2Fb%3Fc%23d%25e@contoso.com/messages");
}

TEST(GraphRequestTest, BodyIsTheWholeMimeInBase64OnOneLine) {
  std::string mime = "From: a@b.c\r\nSubject: x\r\n\r\n" + std::string(5000, 'y') + "\r\n";
  std::string body = SendMailBody(mime);
  EXPECT_EQ(body.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(body.size(), SendMailBodySize(mime.size()));
  EXPECT_EQ(Decode(body), mime);
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 3000000u}) {
    EXPECT_EQ(SendMailBody(std::string(n, 'x')).size(), SendMailBodySize(n)) << n;
  }
}

TEST(GraphRequestTest, FourMegabytesOfRequestIsAboutThreeOfMime) {
  EXPECT_LE(SendMailBodySize(3u * 1024u * 1024u), kMaxGraphRequestBytes);
  EXPECT_GT(SendMailBodySize(kMaxGraphRequestBytes * 3 / 4 + 3), kMaxGraphRequestBytes);
}

TEST(HttpsUrlTest, SplitsHostPortAndPath) {
  std::string host, path;
  int port = 0;
  ASSERT_TRUE(SplitHttpsUrl("https://graph.microsoft.com", &host, &port, &path));
  EXPECT_EQ(host, "graph.microsoft.com");
  EXPECT_EQ(port, 443);
  EXPECT_EQ(path, "");
  ASSERT_TRUE(SplitHttpsUrl("HTTPS://localhost:8443/up/load?x=1", &host, &port, &path));
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 8443);
  EXPECT_EQ(path, "/up/load?x=1");
  EXPECT_FALSE(SplitHttpsUrl("http://graph.microsoft.com", &host, &port, &path));
  EXPECT_FALSE(SplitHttpsUrl("https://:443", &host, &port, &path));
  EXPECT_FALSE(SplitHttpsUrl("https://h:70000", &host, &port, &path));
}

}  // namespace
}  // namespace m365
