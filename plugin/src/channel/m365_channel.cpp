// The channel glue: settings checks, live checks, senders.
#include "channel/m365_channel.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <memory>
#include <string>

#include "checks/live_checks.hpp"
#include "common/server_log.hpp"
#include "delivery/m365_sender.hpp"
#include "diagnostics/diagnostics.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/settings.hpp"
#include "settings/credential_checks.hpp"
#include "settings/m365_config.hpp"
#include "token/token_cache.hpp"
#include "token/token_client.hpp"

namespace m365 {
namespace {

// Requests tokens of `scope` for `config` and explains failures (the cache's
// fetcher). A new client assertion per request, dated by `clock`.
TokenFetcher MakeTokenFetcher(const M365Config& config, Poco::Net::Context::Ptr tls,
                              const std::string& scope, const Clock& clock) {
  return [config, tls, scope, &clock]() -> notify::sdk::StatusOr<IssuedToken> {
    TokenClient client(tls, std::chrono::duration_cast<std::chrono::milliseconds>(config.timeout),
                       config.https_proxy);
    TokenResponse r = client.Request(TokenRequestFor(config, scope, clock.WallNow()));
    if (r.ok) return IssuedToken{std::move(r.access_token), r.expires_in};
    return DiagnoseTokenFailure(r, config);
  };
}

// Tells one credential of an app from another without holding the secret
// twice: the credential kind, the secret or the certificate file, and the CA
// file the request trusts (a refused sign-in certificate is a refusal too), and the proxy with
// its credentials (a proxy's 407 or 403 is a refusal too). A change forgets the
// cache's refusal of the old one (docs/delivery.md, Tokens).
std::string CredentialDigest(const M365Config& config) {
  Poco::SHA2Engine sha256(Poco::SHA2Engine::SHA_256);
  const std::string kind = config.certificate_credential ? "certificate" : "secret";
  const HttpsProxy& p = config.https_proxy;
  const std::string proxy =
      p.proxy ? p.proxy->Where() + "\n" + p.proxy->user + "\n" + p.proxy->password : p.error;
  for (const std::string* part :
       {&kind, &config.client_secret, &config.certificate_file, &config.ca_file, &proxy}) {
    sha256.update(std::to_string(part->size()) + ":");
    sha256.update(*part);
  }
  return Poco::DigestEngine::digestToHex(sha256.digest());
}

notify::FieldIssue CaFileIssue(const notify::sdk::Status& why) {
  return {"ca_file", notify::Severity::kError, "Extra trusted CA file: " + why.message(),
          why.remedy()};
}

}  // namespace

M365Channel::M365Channel(notify::HostContext& host, Clock& clock) : host_(host), clock_(clock) {}

notify::ChannelInfo M365Channel::Describe() const {
  return {kChannelId, kChannelDisplayName, kChannelVersion,
          "E-mail through Exchange Online with an app registration (OAuth2 client "
          "credentials): SMTP with SMTP.SendAsApp, or Microsoft Graph sendMail with Mail.Send."};
}

std::vector<notify::FieldDescriptor> M365Channel::Form() const { return M365Fields(); }

void M365Channel::CheckSettings(const notify::Settings& settings,
                                std::vector<notify::FieldIssue>& issues) const {
  CheckM365Semantics(settings, issues);
  CheckCredential(settings, issues, clock_.WallNow());
  if (notify::sdk::HasErrorFor(issues, "ca_file")) return;
  // Cached per file (net/tls_context.hpp): the live checks and the sender
  // get the same context without reading the file again.
  auto tls = MakeClientTlsContext(notify::sdk::SettingsView(M365Fields(), settings).Get("ca_file"));
  if (!tls.ok()) issues.push_back(CaFileIssue(tls.status()));
}

std::vector<notify::CheckStep> M365Channel::RunLiveChecks(
    const notify::Settings& settings, const notify::ValidationOptions& options) {
  M365Config config = ResolveConfig(settings);
  auto tls = MakeClientTlsContext(config.ca_file);
  if (!tls.ok()) {  // the file changed since CheckSettings read it
    notify::CheckStep step;
    step.name = kStepToken;
    step.outcome = notify::StepOutcome::kFailed;
    step.detail = CaFileIssue(tls.status()).message;
    step.remedy = tls.status().remedy();
    return {step};
  }
  return m365::RunLiveChecks(config, tls.value(), options.test_recipient, host_, clock_);
}

std::unique_ptr<notify::sdk::SenderBase> M365Channel::MakeSender(const notify::Settings& settings,
                                                                 notify::ValidationReport& report) {
  M365Config config = ResolveConfig(settings);
  auto tls = MakeClientTlsContext(config.ca_file);
  if (!tls.ok()) {  // the file changed since CheckSettings read it
    report.issues.push_back(CaFileIssue(tls.status()));
    return nullptr;
  }
  // The caches are shared with every sender of the same app; each sender
  // counts the requests its own calls send (its Counters, docs/delivery.md).
  auto tokens = std::make_shared<CountedTokenSource>(SharedTokenCache(
      {config.authority_url, config.tenant_id, config.client_id, config.scope},
      MakeTokenFetcher(config, tls.value(), config.scope, clock_), CredentialDigest(config)));
  // Requested only when the route needs it (delivery/sender_route.hpp).
  auto graph_tokens = std::make_shared<CountedTokenSource>(SharedTokenCache(
      {config.authority_url, config.tenant_id, config.client_id, config.graph_scope},
      MakeTokenFetcher(config, tls.value(), config.graph_scope, clock_), CredentialDigest(config)));
  std::string name = config.server_name;
  auto sender = std::make_unique<M365Sender>(std::move(config), tls.value(), std::move(tokens),
                                             host_, clock_, std::move(graph_tokens));
  LogForServer(host_, name, notify::LogLevel::kInfo, "sender opened");
  return sender;
}

}  // namespace m365
