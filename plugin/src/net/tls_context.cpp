// The channel's own TLS client context: strict verification, TLS 1.2+, the
// system trust store plus an optional extra CA file. No global SSL state.
#include "net/tls_context.hpp"

#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace m365 {
namespace {

// The handshake runs on the thread that asked for it, so the reason for a
// refusal can wait here until that thread reads it.
thread_local std::string last_certificate_error;

// OpenSSL's verdict stands as it is: no prompt, no global event, no override.
int VerifyWithoutPrompt(int ok, X509_STORE_CTX* store) {
  if (ok == 0 && store != nullptr) {
    last_certificate_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
  }
  return ok;
}

// The TLS object of the handshake this thread started last, for
// TakeLastHandshake: Poco 1.11 gives no access to it.
thread_local SSL* last_handshake = nullptr;

void NoteHandshake(const SSL* ssl, int where, int /*ret*/) {
  if ((where & SSL_CB_HANDSHAKE_START) != 0) last_handshake = const_cast<SSL*>(ssl);
}

// What identifies a trust file's content without reading it.
struct FileStamp {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  long long mtime_ns = 0;
  long long ctime_ns = 0;  // also moves when the file is replaced or touched back

  bool operator==(const FileStamp& o) const {
    return std::tie(exists, device, inode, size, mtime_ns, ctime_ns) ==
           std::tie(o.exists, o.device, o.inode, o.size, o.mtime_ns, o.ctime_ns);
  }
};

FileStamp StampOf(const char* path) {
  FileStamp stamp;
  struct stat st {};
  if (path == nullptr || *path == '\0' || ::stat(path, &st) != 0) return stamp;
  stamp.exists = true;
  stamp.device = st.st_dev;
  stamp.inode = st.st_ino;
  stamp.size = st.st_size;
  stamp.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  stamp.ctime_ns = static_cast<long long>(st.st_ctim.tv_sec) * 1000000000LL + st.st_ctim.tv_nsec;
  return stamp;
}

// The system bundle that loadDefaultCAs reads (SSL_CERT_FILE when set). The
// hashed directory (SSL_CERT_DIR) is read lazily by OpenSSL at each
// handshake, so it never goes stale in a kept context.
FileStamp SystemBundleStamp() {
  const char* from_env = std::getenv(X509_get_default_cert_file_env());
  return StampOf(from_env != nullptr ? from_env : X509_get_default_cert_file());
}

// One kept context: what it was built from and the stamps at that time.
struct CachedContext {
  std::string ca_file;
  FileStamp ca_stamp;
  FileStamp system_stamp;
  Poco::Net::Context::Ptr context;
};

// Distinct ca_files a process uses are few (one per configured channel); the
// bound keeps test suites with a new CA per test from growing it.
constexpr std::size_t kMaxCachedContexts = 16;

std::mutex cache_mutex;
std::vector<CachedContext>& Cache() {
  static auto* cache = new std::vector<CachedContext>();  // never destroyed: used at exit
  return *cache;
}

notify::sdk::StatusOr<Poco::Net::Context::Ptr> BuildClientTlsContext(const std::string& ca_file);

}  // namespace

SSL* TakeLastHandshake() {
  SSL* ssl = last_handshake;
  last_handshake = nullptr;
  return ssl;
}

std::string TakeLastCertificateError() {
  std::string error;
  error.swap(last_certificate_error);
  return error;
}

notify::sdk::StatusOr<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file) {
  // Stamped before reading, so a file changed while it is read is read again
  // next time.
  FileStamp ca_stamp = StampOf(ca_file.c_str());
  FileStamp system_stamp = SystemBundleStamp();
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (const CachedContext& kept : Cache()) {
      if (kept.ca_file == ca_file && kept.ca_stamp == ca_stamp &&
          kept.system_stamp == system_stamp) {
        return kept.context;
      }
    }
  }
  // Built outside the lock: a slow parse must not hold up other channels.
  // Two callers may both build; the later one's context is kept.
  auto built = BuildClientTlsContext(ca_file);
  if (!built.ok()) return built;
  std::lock_guard<std::mutex> lock(cache_mutex);
  std::vector<CachedContext>& cache = Cache();
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->ca_file == ca_file) {
      cache.erase(it);
      break;
    }
  }
  if (cache.size() >= kMaxCachedContexts) cache.erase(cache.begin());  // the oldest
  cache.push_back({ca_file, ca_stamp, system_stamp, built.value()});
  return built;
}

namespace {

// Every certificate of PEM file `path`; empty when the first is not one.
// Poco 1.11's X509Certificate::readPEM does the same but leaks its BIO when
// the file holds no certificate (found by test-sanitized.sh), so the file is
// read here with the BIO owned. Throws Poco::OpenFileException.
Poco::Crypto::X509Certificate::List ReadPemCertificates(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) throw Poco::OpenFileException(path);
  Poco::Crypto::X509Certificate::List certificates;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(x);  // takes ownership
  }
  ERR_clear_error();  // the end of the file reads as an error
  return certificates;
}

notify::sdk::StatusOr<Poco::Net::Context::Ptr> BuildClientTlsContext(const std::string& ca_file) {
  using notify::sdk::Status;
  // OpenSSL's one-time set-up (reference counted by Poco, never undone here);
  // it changes no verification settings.
  static std::once_flag ssl_initialized;
  std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
  Poco::Crypto::X509Certificate::List extra;
  if (!ca_file.empty()) {
    try {
      Poco::File file(ca_file);
      if (!file.exists() || !file.canRead()) {
        return Status::Error("cannot read the CA file " + ca_file,
                             "Check that ca_file exists and is readable by the host, or leave "
                             "it empty.");
      }
      extra = ReadPemCertificates(ca_file);
    } catch (const Poco::Exception& e) {
      return Status::Error("the CA file " + ca_file + " could not be parsed: " + e.displayText(),
                           "Give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----).");
    }
    if (extra.empty()) {
      return Status::Error("the CA file " + ca_file + " holds no certificate",
                           "Give a PEM file of CA certificates (-----BEGIN CERTIFICATE-----).");
    }
  }
  try {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.verificationDepth = 9;
    params.loadDefaultCAs = true;  // the system store, never replaced
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    // Replaces SSLManager::verifyClientCallback, keeping VERIFY_STRICT's mode.
    SSL_CTX* ssl = context->sslContext();
    SSL_CTX_set_verify(ssl, SSL_CTX_get_verify_mode(ssl), &VerifyWithoutPrompt);
    // Read ahead: OpenSSL otherwise reads each record in two system calls
    // (its 5-byte header, then its body), half of all reads for SMTP's
    // short replies; with it one read takes what the kernel has.
    // Bytes can then wait inside OpenSSL while the socket has none, so a
    // check for unasked input asks OpenSSL too (TakeLastHandshake).
    SSL_CTX_set_read_ahead(ssl, 1);
    SSL_CTX_set_info_callback(ssl, &NoteHandshake);
    for (const auto& cert : extra) context->addCertificateAuthority(cert);
    return context;
  } catch (const Poco::Exception& e) {
    return Status::Error("the TLS context could not be created: " + e.displayText(),
                         "Check the host's OpenSSL installation and the CA file.");
  }
}

}  // namespace

}  // namespace m365
