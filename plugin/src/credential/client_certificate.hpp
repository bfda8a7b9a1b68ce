#pragma once
// The certificate credential (docs/channel-settings.md, Certificate
// credential): a PEM file holding an X.509 certificate and its unencrypted
// RSA private key. Loaded once per Save or sender; the key stays inside this
// object and is only ever used to sign a client assertion.
#include <chrono>
#include <memory>
#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

// What the certificate says about itself; nothing here is secret.
struct CertificateFacts {
  // base64url SHA-256 of the DER certificate: the assertion's x5t#S256.
  std::string x5t_s256;
  // Upper-case hex SHA-1 of the DER certificate: the "Thumbprint" column of
  // the app's Certificates & secrets page in the Microsoft Entra admin center.
  std::string sha1_thumbprint;
  std::string subject;  // one line, e.g. "CN=notify-host"
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
};

class ClientCertificate {
 public:
  ~ClientCertificate();
  ClientCertificate(const ClientCertificate&) = delete;
  ClientCertificate& operator=(const ClientCertificate&) = delete;

  // Reads `path`. Fails (kInvalidArgument, message naming certificate_file,
  // remedy saying how to make a good file) when the file is missing,
  // unreadable or not a regular file, holds no PEM certificate, no private
  // key or an encrypted one, a key of another kind than RSA, or a key that
  // does not belong to the certificate. The validity period is not checked
  // here (CheckValidity). Never throws.
  static notify::sdk::StatusOr<std::shared_ptr<const ClientCertificate>> Load(
      const std::string& path);

  const CertificateFacts& facts() const { return facts_; }

  // The RSASSA-PSS SHA-256 signature (salt 32 bytes; JWS PS256) of `data`,
  // raw bytes. Thread-safe. Fails only on an OpenSSL error.
  notify::sdk::StatusOr<std::string> SignPs256(const std::string& data) const;

 private:
  struct Key;
  ClientCertificate(std::unique_ptr<Key> key, CertificateFacts facts);
  std::unique_ptr<Key> key_;
  CertificateFacts facts_;
};

// kFailedPrecondition when `now` lies outside the certificate's validity
// period (expired, or not yet valid), naming the date and how to renew.
notify::sdk::Status CheckValidity(const CertificateFacts& facts,
                                  std::chrono::system_clock::time_point now);

// True when the file at `path` may be read by its group or by others
// (mode & 044); the private key should be 0600 or 0400.
bool ReadableByOthers(const std::string& path);

// "2030-01-31 12:00:00 UTC".
std::string FormatUtc(std::chrono::system_clock::time_point t);

}  // namespace m365
