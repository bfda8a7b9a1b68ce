// The channel's own TLS client context: strict verification, TLS 1.2+, the
// system trust store plus an optional extra CA file. No global SSL state.
#include "tls_context.hpp"

#include <Poco/Crypto/X509Certificate.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <mutex>

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

}  // namespace

std::string TakeLastCertificateError() {
  std::string error;
  error.swap(last_certificate_error);
  return error;
}

notify::sdk::StatusOr<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file) {
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
      extra = Poco::Crypto::X509Certificate::readPEM(ca_file);
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
    for (const auto& cert : extra) context->addCertificateAuthority(cert);
    return context;
  } catch (const Poco::Exception& e) {
    return Status::Error("the TLS context could not be created: " + e.displayText(),
                         "Check the host's OpenSSL installation and the CA file.");
  }
}

}  // namespace m365
