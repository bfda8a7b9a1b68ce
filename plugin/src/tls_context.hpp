#pragma once
// One TLS client context per configured channel; never global SSL state.
#include <Poco/Net/Context.h>

#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

// A client Context with VERIFY_STRICT, TLS 1.2 or newer, the system trust
// store, plus `ca_file` when not empty (added, never replacing the store).
// Host names are checked by the caller's socket (SecureStreamSocket with a
// peer host name). Error when ca_file cannot be read or holds no certificate.
// A refused certificate chain fails the handshake at once: the context has its
// own verify callback, so Poco's global SSLManager never consults an
// InvalidCertificateHandler (its default, ConsoleCertificateHandler, would ask
// "Accept the certificate (y,n)?" on the host's console and wait for stdin).
notify::sdk::StatusOr<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file);

// Why OpenSSL refused the last certificate chain on this thread (e.g.
// "unable to get local issuer certificate", "certificate has expired"), and
// forgets it; "" when none was refused since the last call.
std::string TakeLastCertificateError();

}  // namespace m365
