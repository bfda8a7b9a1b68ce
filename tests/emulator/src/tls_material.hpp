// Run-time TLS material for the emulator: never committed, regenerated at
// every start into <state_dir>/tls.
#pragma once

#include <string>

namespace m365emu::detail {

struct TlsMaterial {
  std::string ca_cert;      // CA trusted by tests (ca_file())
  std::string server_cert;  // DNS:localhost only, signed by ca_cert
  std::string server_key;
  std::string wrong_name_cert;  // DNS:wrong.example.test, signed by ca_cert
  std::string wrong_name_key;
  std::string expired_cert;  // DNS:localhost, expired yesterday, signed by ca_cert
  std::string expired_key;
  std::string other_ca_cert;   // a CA nobody trusts
  std::string untrusted_cert;  // DNS:localhost, signed by other_ca_cert
  std::string untrusted_key;
};

// Generates EC P-256 keys and X.509 v3 certificates with OpenSSL into `dir`
// (created if missing; keys get mode 0600). Throws std::runtime_error.
TlsMaterial GenerateTlsMaterial(const std::string& dir);

}  // namespace m365emu::detail
