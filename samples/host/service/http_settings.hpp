#pragma once
// The service's settings (docs/service.md, "Settings"). The listener's:
//   http.address = 127.0.0.1      http.port = 8025
//   http.tls.certificate = FILE   http.tls.key = FILE   (both, or neither)
//   http.max_body_bytes = 52428800
//   http.threads = 8
#include <Poco/Util/AbstractConfiguration.h>

#include <cstdint>
#include <string>

#include "service/delivery_workers.hpp"

namespace notify_host {

struct HttpSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8025;    // 0: any free port (tests)
  std::string tls_certificate;  // PEM; empty: plain HTTP
  std::string tls_key;          // PEM private key of the certificate
  std::size_t max_body_bytes = 50u * 1024u * 1024u;
  int threads = 8;  // requests served at once
};

// Reads the http.* keys; relative file names are relative to `base_dir`.
// Throws Poco::Exception naming the key and the fix for a value out of range
// or a certificate without its key (or the other way round).
HttpSettings ReadHttpSettings(const Poco::Util::AbstractConfiguration& config,
                              const std::string& base_dir);

// Reads the delivery.* keys (docs/service.md, "Settings"). Throws
// Poco::Exception naming the key for a value out of range.
WorkerSettings ReadWorkerSettings(const Poco::Util::AbstractConfiguration& config);

}  // namespace notify_host
