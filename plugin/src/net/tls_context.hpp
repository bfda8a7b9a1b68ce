#pragma once
// One TLS client context per configured channel; never global SSL state.
#include <Poco/Net/Context.h>
#include <openssl/ssl.h>

#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

// A client Context with VERIFY_STRICT, TLS 1.2 or newer, the system trust
// store, plus `ca_file` when not empty (added, never replacing the store).
// Host names are checked by the caller's socket (SecureStreamSocket with a
// peer host name). Error when ca_file cannot be read or holds no certificate.
// Contexts are shared: building one parses the whole system CA bundle (tens
// of ms of CPU), so the context of a ca_file is kept for the process's
// lifetime and handed out again while neither ca_file nor the system bundle
// changed (path, inode, size, modification time); a replaced file gets a new
// context on the next call. Thread-safe; a context handed out stays valid
// for its holders (reference counted) after it is replaced. Every context
// has the same verification settings, so ca_file is the whole key; a setting
// that changed them would have to join it.
// A refused certificate chain fails the handshake at once: the context has its
// own verify callback, so Poco's global SSLManager never consults an
// InvalidCertificateHandler (its default, ConsoleCertificateHandler, would ask
// "Accept the certificate (y,n)?" on the host's console and wait for stdin).
notify::sdk::StatusOr<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file);

// Why OpenSSL refused the last certificate chain on this thread (e.g.
// "unable to get local issuer certificate", "certificate has expired"), and
// forgets it; "" when none was refused since the last call.
std::string TakeLastCertificateError();

// The OpenSSL connection whose handshake this thread started last with one
// of these contexts, and forgets it; null when none since the last call.
// Take it right after the socket's handshake: it lives as long as that
// socket's TLS session. The contexts read ahead (one read takes whatever
// the kernel holds, not a record header and then its body), so bytes can
// wait in it that a poll() of the socket does not see: SSL_has_pending()
// on it tells.
SSL* TakeLastHandshake();

}  // namespace m365
