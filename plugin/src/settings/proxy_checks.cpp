// https_proxy and https_proxy_password, checked without echoing the URL.
#include "settings/proxy_checks.hpp"

#include <algorithm>

#include "settings/raw_setting.hpp"

namespace m365 {
namespace {

using notify::FieldIssue;
using notify::Severity;

void Error(std::vector<FieldIssue>& issues, std::string field, std::string message,
           std::string remedy) {
  issues.push_back({std::move(field), Severity::kError, std::move(message), std::move(remedy)});
}

}  // namespace

void CheckProxySettings(const notify::Settings& settings, std::vector<FieldIssue>& issues,
                        const EnvironmentLookup& environment) {
  const std::string url = RawSetting(settings, "https_proxy");
  const std::string password = RawSetting(settings, "https_proxy_password");
  // The SDK's URL check quotes the value; ours never does (a password).
  issues.erase(std::remove_if(issues.begin(), issues.end(),
                              [](const FieldIssue& i) { return i.field == "https_proxy"; }),
               issues.end());
  if (url.empty()) {
    if (!password.empty()) {
      Error(issues, "https_proxy_password", "HTTPS proxy password: no HTTPS proxy is set",
            "Set HTTPS proxy as http://user@host:port, or leave the password empty.");
    }
    HttpsProxy from_environment = ResolveHttpsProxy("", "", environment);
    if (!from_environment.error.empty()) {
      Error(issues, "https_proxy",
            "HTTPS proxy: " + from_environment.error + " (empty https_proxy reads it)",
            "Correct or unset that variable in the host's environment (e.g. the service's "
            "Environment= in systemd), or set HTTPS proxy to http://host:port.");
    }
    return;
  }
  auto parsed = ParseProxyUrl(url, /*scheme_optional=*/false);
  if (!parsed.ok()) {
    Error(issues, "https_proxy", "HTTPS proxy: " + parsed.status().message(),
          parsed.status().remedy());
    return;
  }
  if (!parsed->password.empty()) {
    Error(issues, "https_proxy",
          "HTTPS proxy: the URL holds a password (proxy " + parsed->Where() + ")",
          "Put the password in HTTPS proxy password (https_proxy_password), which is kept as a "
          "secret, and write HTTPS proxy as http://" +
              (parsed->user.empty() ? std::string("user") : parsed->user) + "@" + parsed->Where() +
              ": HTTPS proxy is stored and shown as it is.");
    return;
  }
  if (!password.empty() && parsed->user.empty()) {
    Error(issues, "https_proxy_password",
          "HTTPS proxy password: HTTPS proxy names no user (proxy " + parsed->Where() + ")",
          "Write HTTPS proxy as http://user@" + parsed->Where() +
              " with the proxy's user name, or leave the password empty.");
  }
}

}  // namespace m365
