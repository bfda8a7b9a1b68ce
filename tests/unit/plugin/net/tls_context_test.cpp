// MakeClientTlsContext keeps one context per ca_file for the process, and
// builds a new one as soon as the file's content may have changed: a trust
// store that an administrator replaced must never be served stale.
#include "net/tls_context.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace m365 {
namespace {

// The first `count` certificates of the system bundle, in PEM.
std::string SystemCertificates(int count) {
  std::ifstream in("/etc/ssl/certs/ca-certificates.crt");
  std::string line;
  std::string pem;
  int seen = 0;
  while (seen < count && std::getline(in, line)) {
    pem += line + "\n";
    if (line == "-----END CERTIFICATE-----") ++seen;
  }
  return seen == count ? pem : "";
}

class TlsContextCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/tls-context-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    ca_file_ = dir_ + "/ca.pem";
    one_ = SystemCertificates(1);
    two_ = SystemCertificates(2);
    if (one_.empty() || two_.empty()) GTEST_SKIP() << "no system CA bundle to copy from";
  }
  void TearDown() override {
    ::unlink(ca_file_.c_str());
    ::rmdir(dir_.c_str());
  }
  void Write(const std::string& content) {
    std::ofstream out(ca_file_, std::ios::trunc);
    out << content;
  }

  std::string dir_;
  std::string ca_file_;
  std::string one_;
  std::string two_;
};

TEST_F(TlsContextCacheTest, SameFileGivesTheSameContext) {
  Write(one_);
  auto first = MakeClientTlsContext(ca_file_);
  auto second = MakeClientTlsContext(ca_file_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first.value().get(), second.value().get());

  auto system_only = MakeClientTlsContext("");
  ASSERT_TRUE(system_only.ok());
  EXPECT_NE(system_only.value().get(), first.value().get());
  EXPECT_EQ(MakeClientTlsContext("").value().get(), system_only.value().get());
}

TEST_F(TlsContextCacheTest, ReplacedFileGivesANewContext) {
  Write(one_);
  auto before = MakeClientTlsContext(ca_file_);
  ASSERT_TRUE(before.ok());
  Write(two_);
  auto after = MakeClientTlsContext(ca_file_);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(before.value().get(), after.value().get());
  EXPECT_EQ(MakeClientTlsContext(ca_file_).value().get(), after.value().get());
  // The replaced context still works for whoever holds it: its OpenSSL
  // context is its own, verifies peers, and makes connections.
  SSL_CTX* old_ssl = before.value()->sslContext();
  ASSERT_NE(old_ssl, nullptr);
  EXPECT_NE(old_ssl, after.value()->sslContext());
  EXPECT_NE(SSL_CTX_get_verify_mode(old_ssl) & SSL_VERIFY_PEER, 0);
  std::unique_ptr<SSL, decltype(&SSL_free)> connection(SSL_new(old_ssl), &SSL_free);
  EXPECT_NE(connection, nullptr);
}

TEST_F(TlsContextCacheTest, FileRewrittenWithTheSameSizeGivesANewContext) {
  Write(one_);
  auto before = MakeClientTlsContext(ca_file_);
  ASSERT_TRUE(before.ok());
  const auto written = std::filesystem::last_write_time(ca_file_);
  Write(one_);
  // A later modification time, set rather than waited for: the clock of the
  // file system may be coarser than the time between the two writes.
  std::filesystem::last_write_time(ca_file_, written + std::chrono::seconds(1));
  auto after = MakeClientTlsContext(ca_file_);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(before.value().get(), after.value().get());
}

TEST_F(TlsContextCacheTest, FileBrokenAfterwardsIsAnErrorNotTheOldContext) {
  Write(one_);
  ASSERT_TRUE(MakeClientTlsContext(ca_file_).ok());
  Write("not a certificate\n");
  EXPECT_FALSE(MakeClientTlsContext(ca_file_).ok());
  ::unlink(ca_file_.c_str());
  EXPECT_FALSE(MakeClientTlsContext(ca_file_).ok());
}

}  // namespace
}  // namespace m365
