#pragma once
// The proxy settings' checks (docs/channel-settings.md, HTTPS proxy):
// https_proxy and https_proxy_password, and the environment's proxy when
// https_proxy is empty. No network. No message quotes a proxy URL: it may
// hold a password.
#include <vector>

#include "net/https_proxy.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace m365 {

// Appends every problem: an https_proxy that is not http://host:port (the
// SDK's generic URL issue, which quotes the value, is replaced); a password
// inside https_proxy (it belongs in https_proxy_password, a secret: the URL
// is stored and shown as it is); https_proxy_password without https_proxy or
// without a user in it; with https_proxy empty, an environment proxy
// variable that cannot be used.
void CheckProxySettings(const notify::Settings& settings, std::vector<notify::FieldIssue>& issues,
                        const EnvironmentLookup& environment);

}  // namespace m365
