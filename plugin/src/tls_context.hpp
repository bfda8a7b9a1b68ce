#pragma once
// One TLS client context per configured channel; never global SSL state.
#include <string>

#include <Poco/Net/Context.h>

#include "notify/sdk/status.hpp"

namespace m365 {

// A client Context with VERIFY_STRICT, TLS 1.2 or newer, the system trust
// store, plus `ca_file` when not empty (added, never replacing the store).
// Host names are checked by the caller's socket (SecureStreamSocket with a
// peer host name). Error when ca_file cannot be read or holds no certificate.
notify::sdk::StatusOr<Poco::Net::Context::Ptr> MakeClientTlsContext(const std::string& ca_file);

}  // namespace m365
