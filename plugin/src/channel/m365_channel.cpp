// The channel glue: settings checks, live checks, senders.
#include "channel/m365_channel.hpp"

#include <algorithm>
#include <memory>

#include "checks/live_checks.hpp"
#include "delivery/m365_sender.hpp"
#include "diagnostics/diagnostics.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/barrier.hpp"
#include "settings/m365_config.hpp"
#include "token/token_cache.hpp"
#include "token/token_client.hpp"

namespace m365 {
namespace {

bool HasError(const std::vector<notify::FieldIssue>& issues) {
  return std::any_of(issues.begin(), issues.end(), [](const notify::FieldIssue& i) {
    return i.severity == notify::Severity::kError;
  });
}

notify::FieldIssue InternalIssue(const std::string& what) {
  return {"", notify::Severity::kError, "internal error: " + what,
          "Try again; if it repeats, report it with the host's log."};
}

// Requests tokens for `config` and explains failures (the cache's fetcher).
TokenFetcher MakeTokenFetcher(const M365Config& config, Poco::Net::Context::Ptr tls) {
  return [config, tls]() -> notify::sdk::StatusOr<IssuedToken> {
    TokenClient client(tls, std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout));
    TokenResponse r = client.Request({config.authority_url, config.tenant_id, config.client_id,
                                      config.client_secret, config.scope});
    if (r.ok) return IssuedToken{std::move(r.access_token), r.expires_in};
    return DiagnoseTokenFailure(r, config);
  };
}

}  // namespace

M365Channel::M365Channel(notify::HostContext& host, Clock& clock) : host_(host), clock_(clock) {}

notify::ChannelInfo M365Channel::Info() const noexcept {
  return notify::sdk::Guard(
      [] {
        return notify::ChannelInfo{
            kChannelId, kChannelDisplayName, kChannelVersion,
            "E-mail through Exchange Online SMTP with an app registration (OAuth2 client "
            "credentials, SMTP.SendAsApp)."};
      },
      [](const std::string&) {
        return notify::ChannelInfo{kChannelId, "", "", ""};
      });
}

std::vector<notify::FieldDescriptor> M365Channel::Fields() const noexcept {
  return notify::sdk::Guard(
      [] { return M365Fields(); },
      [](const std::string&) { return std::vector<notify::FieldDescriptor>{}; });
}

notify::ValidationReport M365Channel::Validate(const notify::Settings& settings,
                                               const notify::ValidationOptions& options) noexcept {
  return notify::sdk::Guard(
      [&] {
        notify::ValidationReport report;
        report.issues = CheckM365Settings(settings);
        if (HasError(report.issues) || options.mode == notify::ValidationMode::kOffline) {
          return report;
        }
        M365Config config = ResolveConfig(settings);
        auto tls = MakeClientTlsContext(config.ca_file);
        if (!tls.ok()) {
          report.issues.push_back({"ca_file", notify::Severity::kError,
                                   "Extra trusted CA file: " + tls.status().message(),
                                   tls.status().remedy()});
          return report;
        }
        report.steps = RunLiveChecks(config, tls.value(), options.test_recipient, host_);
        return report;
      },
      [](const std::string& what) {
        notify::ValidationReport report;
        report.issues.push_back(InternalIssue(what));
        return report;
      });
}

notify::OpenResult M365Channel::Open(const notify::Settings& settings) noexcept {
  return notify::sdk::Guard(
      [&] {
        notify::OpenResult opened;
        opened.report.issues = CheckM365Settings(settings);
        if (HasError(opened.report.issues)) return opened;
        M365Config config = ResolveConfig(settings);
        auto tls = MakeClientTlsContext(config.ca_file);
        if (!tls.ok()) {
          opened.report.issues.push_back({"ca_file", notify::Severity::kError,
                                          "Extra trusted CA file: " + tls.status().message(),
                                          tls.status().remedy()});
          return opened;
        }
        auto tokens = SharedTokenCache(
            {config.authority_url, config.tenant_id, config.client_id, config.scope},
            MakeTokenFetcher(config, tls.value()));
        std::string name = config.server_name;
        opened.sender = std::make_unique<M365Sender>(std::move(config), tls.value(),
                                                     std::move(tokens), host_, clock_);
        host_.Log(notify::LogLevel::kInfo, "m365_oauth_smtp [" + name + "] sender opened");
        return opened;
      },
      [](const std::string& what) {
        notify::OpenResult opened;
        opened.report.issues.push_back(InternalIssue(what));
        return opened;
      });
}

}  // namespace m365
