// The token request's encoding and the parsing of every answer shape of
// docs/microsoft-365.md, Token endpoint (success, AADSTS errors, 429,
// non-JSON bodies).
#include "token/token_client.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "net/tls_context.hpp"
#include "notify/test_support/refusing_port.hpp"

namespace m365 {
namespace {

TEST(TokenClientTest, FormEncodingKeepsEverySecretCharacter) {
  EXPECT_EQ(FormEncode({{"client_secret", "a+b/c=d~e&f%g h.i_j-k"}, {"scope", "x"}}),
            "client_secret=a%2Bb%2Fc%3Dd~e%26f%25g%20h.i_j-k&scope=x");
  EXPECT_EQ(FormEncode({{"scope", "https://outlook.office365.com/.default"}}),
            "scope=https%3A%2F%2Foutlook.office365.com%2F.default");
  EXPECT_EQ(FormEncode({{"k", "\xc3\xa9"}}), "k=%C3%A9");
}

TEST(TokenClientTest, SplitsHttpsAuthorities) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(SplitHttpsAuthority("https://login.microsoftonline.com", &host, &port));
  EXPECT_EQ(host, "login.microsoftonline.com");
  EXPECT_EQ(port, 443);
  ASSERT_TRUE(SplitHttpsAuthority("HTTPS://localhost:8443/", &host, &port));
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 8443);
  EXPECT_FALSE(SplitHttpsAuthority("http://login.microsoftonline.com", &host, &port));
  EXPECT_FALSE(SplitHttpsAuthority("https://", &host, &port));
  EXPECT_FALSE(SplitHttpsAuthority("https://h:0", &host, &port));
}

TEST(TokenClientTest, SuccessUsesExpiresInNeverAssuming3600) {
  auto r = ParseTokenResponse(
      200, "application/json; charset=utf-8",
      R"({"token_type":"Bearer","expires_in":4711,"ext_expires_in":4711,"access_token":"eyJ0.x.y"})",
      "");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.access_token, "eyJ0.x.y");
  EXPECT_EQ(r.expires_in.count(), 4711);
  EXPECT_EQ(r.http_status, 200);
}

TEST(TokenClientTest, ExpiresInAsAString) {
  auto r = ParseTokenResponse(200, "application/json",
                              R"({"expires_in":"3599","access_token":"t"})", "");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.expires_in.count(), 3599);
}

TEST(TokenClientTest, AadstsErrorCodesAreParsed) {
  auto r = ParseTokenResponse(
      401, "application/json",
      "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret "
      "provided.\\r\\nTrace ID: 1\\r\\nCorrelation ID: 2\",\"error_codes\":[7000215],"
      "\"timestamp\":\"2026-01-09 02:02:12Z\",\"trace_id\":\"1\",\"correlation_id\":\"2\"}",
      "");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.error, "invalid_client");
  EXPECT_EQ(r.error_codes, std::vector<long>{7000215});
  EXPECT_EQ(r.description, "AADSTS7000215: Invalid client secret provided.");
  EXPECT_TRUE(r.transport_error.empty());
}

TEST(TokenClientTest, ThrottledWithPlainTextBody) {
  auto r = ParseTokenResponse(429, "text/plain", "Too Many Requests", "60");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 429);
  EXPECT_EQ(r.retry_after_s, 60);
  auto dated = ParseTokenResponse(429, "", "", "Wed, 21 Oct 2026 07:28:00 GMT");
  EXPECT_EQ(dated.retry_after_s, 60);
}

TEST(TokenClientTest, NonJsonSuccessIsAnError) {
  auto r = ParseTokenResponse(200, "text/html", "<html>proxy login</html>", "");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.transport_error.find("not JSON"), std::string::npos);
  EXPECT_NE(r.transport_error.find("text/html"), std::string::npos);
}

TEST(TokenClientTest, MalformedJsonAndMissingTokenAreErrors) {
  EXPECT_FALSE(ParseTokenResponse(200, "application/json", "{\"access_token\":", "").ok);
  auto r = ParseTokenResponse(200, "application/json", R"({"expires_in":3599})", "");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.transport_error.find("without an access_token"), std::string::npos);
}

TEST(TokenClientTest, RequestToANonHttpsAuthorityIsRefusedWithoutNetwork) {
  TokenClient client(nullptr, std::chrono::milliseconds(100));
  auto r = client.Request({"http://login.microsoftonline.com", "t", "c", "s3cret", "scope"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.transport_error.find("not an https URL"), std::string::npos);
  EXPECT_EQ(r.transport_error.find("s3cret"), std::string::npos);
}

TEST(TokenClientTest, AStalledServerIsCutAtTheDeadline) {
  // Accepts TCP (the kernel's backlog) but never answers the TLS handshake.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto tls = MakeClientTlsContext("");
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  const std::chrono::milliseconds timeout(1000);
  TokenClient client(tls.value(), timeout);
  auto start = std::chrono::steady_clock::now();
  auto r = client.Request({"https://127.0.0.1:" + std::to_string(silent.address().port()), "t", "c",
                           "s3cret", "scope"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.transport_error.find("no answer from 127.0.0.1:"), std::string::npos)
      << r.transport_error;
  EXPECT_NE(r.transport_error.find("within 1 s"), std::string::npos) << r.transport_error;
  // The deadline was waited for, and it ended the request: without it the
  // request would wait for ever. The upper bound leaves room for a loaded
  // machine under sanitizers; the plugin's own bound is the message above.
  EXPECT_GE(elapsed, timeout - std::chrono::milliseconds(100));
  EXPECT_LT(elapsed, timeout + std::chrono::seconds(10));
}

TEST(TokenClientTest, ARefusedConnectionIsReportedAtOnce) {
  notify::test_support::RefusingPort refusing;
  const int port = refusing.port();
  auto tls = MakeClientTlsContext("");
  ASSERT_TRUE(tls.ok());
  // A deadline far longer than a refusal can take even on a loaded machine,
  // so that ending before it means the refusal was reported, not waited out.
  const std::chrono::seconds timeout(30);
  TokenClient client(tls.value(), timeout);
  auto start = std::chrono::steady_clock::now();
  auto r = client.Request({"https://127.0.0.1:" + std::to_string(port), "t", "c", "s", "x"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, timeout);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_NE(r.transport_error.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.transport_error;
  EXPECT_NE(r.transport_error.find("refused"), std::string::npos) << r.transport_error;
}

}  // namespace
}  // namespace m365
