#include "m365emu/emulator.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <sys/stat.h>

#include <mutex>
#include <stdexcept>

#include "graph_server.hpp"
#include "smtp_server.hpp"
#include "state.hpp"
#include "tls_material.hpp"
#include "token_endpoint.hpp"
#include "util.hpp"

namespace m365emu {
namespace {

void MakeDir(const std::string& dir) {
  ::mkdir(dir.c_str(), 0700);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("emulator: cannot create directory " + dir);
}

// The emulator's own contexts; SSLManager's global state is never touched
// (as the plugin: no global SSL state changes; docs/security.md).
Poco::Net::Context::Ptr ServerContext(const std::string& cert, const std::string& key) {
  Poco::Net::Context::Params params;
  params.certificateFile = cert;
  params.privateKeyFile = key;
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::SERVER_USE, params);
  // TLS 1.2+ only, as Exchange Online; refused in the handshake, not with 421 4.7.66
  // (docs/microsoft-365.md, Where the project assumes or departs).
  ctx->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                        Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  return ctx;
}

std::once_flag ssl_init_once;

}  // namespace

struct Emulator::Impl {
  std::string state_dir;
  std::string spool_dir;
  detail::TlsMaterial tls;
  std::unique_ptr<detail::State> state;
  std::unique_ptr<detail::TokenEndpoint> http;
  std::unique_ptr<detail::SmtpServer> smtp;
  std::unique_ptr<detail::GraphServer> graph;
  std::mutex stop_mu;
  bool stopped = false;
};

Emulator::Emulator(Config config, std::string state_dir) : impl_(std::make_unique<Impl>()) {
  // Poco's SSL library init is reference counted; never undone here because
  // other Poco users in the process may rely on it.
  std::call_once(ssl_init_once, [] { Poco::Net::initializeSSL(); });
  try {
    impl_->state_dir = state_dir;
    MakeDir(state_dir);
    impl_->spool_dir = state_dir + "/spool";
    MakeDir(impl_->spool_dir);
    impl_->tls = detail::GenerateTlsMaterial(state_dir + "/tls");
    impl_->state = std::make_unique<detail::State>(std::move(config), impl_->spool_dir);
    const auto& t = impl_->tls;
    detail::SmtpContexts contexts{ServerContext(t.server_cert, t.server_key),
                                  ServerContext(t.wrong_name_cert, t.wrong_name_key),
                                  ServerContext(t.expired_cert, t.expired_key),
                                  ServerContext(t.untrusted_cert, t.untrusted_key)};
    impl_->http = std::make_unique<detail::TokenEndpoint>(*impl_->state, contexts.good);
    impl_->smtp = std::make_unique<detail::SmtpServer>(*impl_->state, contexts);
    impl_->graph = std::make_unique<detail::GraphServer>(*impl_->state, contexts.good);
  } catch (const std::runtime_error&) {
    Stop();
    throw;
  } catch (const Poco::Exception& e) {
    Stop();
    throw std::runtime_error("emulator: " + e.displayText());
  } catch (const std::exception& e) {
    Stop();
    throw std::runtime_error(std::string("emulator: ") + e.what());
  }
}

Emulator::~Emulator() { Stop(); }

void Emulator::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->state) impl_->state->BeginStop();
  if (impl_->smtp) impl_->smtp->Stop();
  if (impl_->graph) impl_->graph->Stop();
  if (impl_->http) impl_->http->Stop();
}

std::string Emulator::authority() const {
  return "https://localhost:" + std::to_string(token_port());
}

std::string Emulator::token_url(const std::string& tenant) const {
  return authority() + "/" + tenant + "/oauth2/v2.0/token";
}

int Emulator::token_port() const { return impl_->http->port(); }
int Emulator::smtp_port() const { return impl_->smtp->port(); }
std::string Emulator::graph_url() const {
  return "https://localhost:" + std::to_string(graph_port());
}
int Emulator::graph_port() const { return impl_->graph->port(); }
std::string Emulator::ca_file() const { return impl_->tls.ca_cert; }
std::string Emulator::spool_dir() const { return impl_->spool_dir; }
std::string Emulator::state_dir() const { return impl_->state_dir; }

std::vector<ReceivedMessage> Emulator::received() const { return impl_->state->received(); }

bool Emulator::WaitForMessages(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->state->WaitForMessages(count, timeout);
}

Stats Emulator::stats() const { return impl_->state->stats(); }
void Emulator::SetFaults(const Faults& faults) { impl_->state->SetFaults(faults); }
Faults Emulator::faults() const { return impl_->state->faults(); }
void Emulator::SetConfig(Config config) { impl_->state->SetConfig(std::move(config)); }
Config Emulator::config() const { return *impl_->state->config(); }
void Emulator::ResetCounters() { impl_->state->ResetCounters(); }

std::string Emulator::MintToken(const MintOptions& o) const {
  auto config = impl_->state->config();
  if (config->tenants.empty()) throw std::runtime_error("MintToken: no tenant in the config");
  const Tenant* tenant = &config->tenants.front();
  for (const auto& t : config->tenants)
    if (!o.tenant_id.empty() && t.id == detail::ToLower(o.tenant_id)) tenant = &t;
  const App* app = tenant->apps.empty() ? nullptr : &tenant->apps.front();
  for (const auto& a : tenant->apps)
    if (!o.client_id.empty() && a.client_id == detail::ToLower(o.client_id)) app = &a;
  detail::TokenClaims c;
  c.tenant_id = o.tenant_id.empty() ? tenant->id : detail::ToLower(o.tenant_id);
  c.client_id = !o.client_id.empty() ? detail::ToLower(o.client_id) : app ? app->client_id : "";
  c.app_display_name = app ? app->display_name : "";
  c.object_id = app ? app->service_principal_object_id : detail::NewGuid();
  c.audience = o.audience.empty() ? config->exchange_resource : o.audience;
  if (o.roles) {
    c.roles = *o.roles;
  } else if (app) {
    auto it = app->roles.find(c.audience);
    if (it != app->roles.end()) c.roles = it->second;
  }
  c.issued_at = detail::NowUnix() + o.issued_at_offset_seconds;
  c.expires_at =
      c.issued_at + (o.lifetime_seconds >= 0 ? o.lifetime_seconds : config->token_lifetime_seconds);
  if (o.foreign_key) return impl_->state->foreign_signer().Mint(c);
  return impl_->state->signer().Mint(c);
}

}  // namespace m365emu
