// Client certificates for the certificate credential, made at run time by
// tests (never committed): an app's certificate and key, as an administrator
// makes them with openssl and uploads the certificate to the app.
#pragma once

#include <string>

namespace m365emu {

struct ClientCertificateOptions {
  long not_before_offset_s = -3600;        // notBefore relative to now
  long not_after_offset_s = 365L * 86400;  // notAfter relative to now
  bool rsa = true;                         // false: an EC P-256 key (Entra wants RSA)
};

struct ClientCertificateFiles {
  std::string pem_file;   // key then certificate, mode 0600: what certificate_file names
  std::string cert_file;  // the certificate alone (what is uploaded to the app)
  std::string key_file;   // the key alone, mode 0600
  std::string cert_pem;   // the certificate's PEM text (for App::certificates)
};

// A self-signed certificate "CN=<name>" with a new key, written into `dir`
// (created, with its parents, when missing; mode 0700) as <name>.pem, <name>.crt and <name>.key.
// Throws std::runtime_error.
ClientCertificateFiles MakeClientCertificate(const std::string& dir, const std::string& name,
                                             const ClientCertificateOptions& options = {});

}  // namespace m365emu
