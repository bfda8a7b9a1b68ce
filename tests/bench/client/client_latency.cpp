// RunLatency: one message cold, with a warm token, on a warm sender (its
// connection kept open between calls) and on a warm connection.
#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

#include "bench_message.hpp"
#include "channel/m365_channel.hpp"
#include "client_support.hpp"
#include "client_workloads.hpp"
#include "mime/mime_builder.hpp"
#include "net/tls_context.hpp"
#include "settings/m365_config.hpp"
#include "smtp/smtp_connection.hpp"
#include "smtp/smtp_login.hpp"
#include "token/token_cache.hpp"
#include "token/token_client.hpp"

namespace notify_bench {
namespace {

using Clock = std::chrono::steady_clock;

bool DeliveredOne(notify::Sender& sender, int n) {
  auto results = sender.Deliver({MakeBenchMessage(n)});
  return results.size() == 1 && results[0].status == notify::DeliveryStatus::kDelivered;
}

// A token source for the warm connection: the plugin's cache and client.
std::shared_ptr<m365::TokenCache> MakeTokens(const m365::M365Config& config,
                                             Poco::Net::Context::Ptr tls) {
  return std::make_shared<m365::TokenCache>([config,
                                             tls]() -> notify::sdk::StatusOr<m365::IssuedToken> {
    m365::TokenClient client(tls, std::chrono::milliseconds(config.timeout));
    m365::TokenResponse r = client.Request({config.authority_url, config.tenant_id,
                                            config.client_id, config.client_secret, config.scope});
    if (!r.ok) return notify::sdk::Status::Unavailable(r.error + " " + r.transport_error);
    return m365::IssuedToken{std::move(r.access_token), r.expires_in};
  });
}

// Warm connection: SendMail on one authenticated connection, MIME building
// included. Appends to `out`; false (with `error`) when a step failed.
bool WarmConnection(const notify::Settings& settings, int samples, std::vector<double>& out,
                    std::string& error) {
  m365::M365Config config = m365::ResolveConfig(settings);
  auto tls = m365::MakeClientTlsContext(config.ca_file);
  if (!tls.ok()) {
    error = tls.status().message();
    return false;
  }
  auto tokens = MakeTokens(config, tls.value());
  m365::SmtpConnection connection({config.smtp_host, config.port, config.timeout, tls.value()});
  notify::sdk::Status login = m365::OpenAuthenticated(connection, config.from_email, *tokens);
  if (!login.ok()) {
    error = "login: " + login.message();
    return false;
  }
  m365::MimeBuilder builder(config.from_email, config.from_name);
  for (int i = 0; i < samples; ++i) {
    auto start = Clock::now();
    auto mime = builder.Build(MakeBenchMessage(i));
    if (!mime.ok()) {
      error = "mime: " + mime.status().message();
      return false;
    }
    m365::SmtpStepResult sent =
        connection.SendMail(config.from_email, mime.value().recipients, mime.value().data);
    out.push_back(MillisSince(start));
    if (!sent.ok) {
      error = "send: " + sent.reply.ToString() + sent.error;
      return false;
    }
  }
  (void)connection.Quit();
  return true;
}

}  // namespace

int RunLatency(const notify::Settings& settings, int samples) {
  QuietHost host;
  m365::M365Channel channel(host);
  std::vector<double> cold, warm_token, warm_sender, warm_connection;
  std::string error;
  // Cold: nothing of the previous sample survives (the shared token cache
  // goes with its last sender), so each sample asks for a token.
  for (int i = 0; i < samples && error.empty(); ++i) {
    auto start = Clock::now();
    notify::OpenResult opened = channel.Open(settings);
    bool ok = opened.sender != nullptr && DeliveredOne(*opened.sender, i);
    cold.push_back(MillisSince(start));
    if (!ok) error = "cold send failed: " + host.first_problem();
  }
  // Warm token: connections closed after every call (keep_open_seconds 0),
  // so each sample connects and logs in with the cached token.
  notify::Settings closing = settings;
  closing["keep_open_seconds"] = "0";
  auto warm = [&](const notify::Settings& s, std::vector<double>& out, const char* what) {
    notify::OpenResult opened = channel.Open(s);
    if (opened.sender == nullptr || !DeliveredOne(*opened.sender, 0)) {
      error = std::string(what) + " warm-up failed";
      return;
    }
    for (int i = 0; i < samples && error.empty(); ++i) {
      auto start = Clock::now();
      bool ok = DeliveredOne(*opened.sender, i);
      out.push_back(MillisSince(start));
      if (!ok) error = std::string(what) + " send failed: " + host.first_problem();
    }
  };
  if (error.empty()) warm(closing, warm_token, "warm-token");
  // Warm sender: the connection of the previous call is kept open.
  if (error.empty()) warm(settings, warm_sender, "warm-sender");
  // The warm SMTP connection case has no Graph counterpart: on the Graph
  // route the warm sender above already reuses its keep-alive connection.
  if (error.empty() && settings.count("graph_url") == 0) {
    WarmConnection(settings, samples, warm_connection, error);
  }

  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("samples", samples);
  out->set("cold_ms", ToJsonArray(cold));
  out->set("warm_token_ms", ToJsonArray(warm_token));
  out->set("warm_sender_ms", ToJsonArray(warm_sender));
  out->set("warm_connection_ms", ToJsonArray(warm_connection));
  if (!error.empty()) out->set("error", error);
  return PrintResult(out, error.empty());
}

}  // namespace notify_bench
