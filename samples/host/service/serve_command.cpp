#include "service/serve_command.hpp"

#include <Poco/Environment.h>
#include <Poco/Logger.h>
#include <Poco/Process.h>
#include <Poco/Util/MapConfiguration.h>
#include <signal.h>

#include <mutex>
#include <random>
#include <vector>

#include "command_support.hpp"
#include "ruleset_store.hpp"
#include "service/api_http_server.hpp"
#include "service/api_key.hpp"
#include "service/delivery_workers.hpp"
#include "service/http_settings.hpp"
#include "service/notification_routes.hpp"
#include "service/offered_slots.hpp"
#include "service/ruleset_routes.hpp"
#include "service/service_routes.hpp"
#include "service/state_delivery_queue.hpp"
#include "state/api_key_repository.hpp"
#include "state/outbox_repository.hpp"
#include "state/ruleset_repository.hpp"
#include "terminal_text.hpp"
#include "web/admin_password.hpp"
#include "web/page_routes.hpp"

namespace notify_host {
namespace {

// Requests being answered get this long after SIGTERM.
constexpr long kRequestGraceMs = 10000;

Poco::Logger& Log() { return Poco::Logger::get("notify.service"); }

// The stored key the bearer token names, compared by hash in constant time.
bool KeyIsValid(state::StateDatabase& db, const std::string& token) {
  auto id = ApiKeyId(token);
  if (!id) return false;
  std::optional<state::ApiKeyRecord> stored;
  try {
    auto tx = db.BeginRead();
    stored = state::ApiKeyRepository(tx).FindById(*id);
  } catch (const std::exception& e) {
    Log().error(std::string("cannot read API keys: ") + ForTerminal(e.what()));
    return false;
  }
  return stored && ApiKeyMatches(token, stored->hash);
}

ServiceMetrics::Snapshot TakeSnapshot(state::StateDatabase& db, const DeliveryWorkers& workers) {
  ServiceMetrics::Snapshot s;
  std::vector<state::RulesetSummary> rulesets;
  std::optional<std::int64_t> oldest;
  {
    auto tx = db.BeginRead();
    state::OutboxRepository outbox(tx);
    for (const auto& [status, count] : outbox.CountByStatus())
      s.notifications_by_status[status] = static_cast<double>(count);
    oldest = outbox.OldestWaitingCreatedAt();
    rulesets = state::RulesetRepository(tx).List();
  }
  for (const char* waiting : {"queued", "retry_later", "sending"}) {
    auto it = s.notifications_by_status.find(waiting);
    if (it != s.notifications_by_status.end()) s.queue_depth += it->second;
  }
  const std::int64_t now = NowMs();
  if (oldest) s.oldest_queued_age_s = static_cast<double>(now - *oldest) / 1000.0;
  auto health = workers.Health();
  for (const auto& r : rulesets) {
    ServiceMetrics::RulesetFigures f;
    f.name = r.name;
    auto it = health.find(r.name);
    if (it != health.end()) {
      f.health = it->second.state;
      if (it->second.credential_expires_unix_s > 0)
        f.credential_seconds_left =
            std::max<double>(0, static_cast<double>(it->second.credential_expires_unix_s) -
                                    static_cast<double>(now) / 1000.0);
    } else {
      f.health = "unknown";
    }
    s.rulesets.push_back(f);
  }
  return s;
}

}  // namespace

int Serve(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 1) {
    err << "usage: notify-host serve\n";
    return kExitUsage;
  }
  // SIGTERM and SIGINT are taken by sigwait below, never by a thread that
  // happens to be running: every thread started from here inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  HttpSettings http;
  WorkerSettings delivery;
  Poco::AutoPtr<Poco::Util::MapConfiguration> defaults = new Poco::Util::MapConfiguration;
  const Poco::Util::AbstractConfiguration& settings = env.settings ? *env.settings : *defaults;
  try {
    http = ReadHttpSettings(settings, env.state_options.base_dir);
    delivery = ReadWorkerSettings(settings);
  } catch (const Poco::Exception& e) {
    err << "notify-host serve: " << ForTerminal(e.message()) << "\n";
    return kExitUsage;
  }
  // A connection for each request thread, each worker and the dispatcher,
  // and for the slot service's renewer and a plugin thread releasing a slot
  // (a kept connection closed when idle).
  env.state_options.max_connections = http.threads + delivery.workers + 4;
  state::StateDatabase* db = OpenState(env, err);
  if (!db) return kExitError;
  const std::string host_name =
      Poco::Environment::nodeName() + ":" + std::to_string(Poco::Process::id());
  // Offered until serve returns, after the workers stopped (declared later).
  OfferedSlots offered_slots(*db, host_name);

  ServiceMetrics metrics;
  StateDeliveryQueue queue(*db, host_name, delivery.claim_lease.count());
  std::mt19937_64 random{std::random_device{}()};
  std::mutex random_mutex;
  DeliveryWorkers workers(
      delivery, queue, env.plugins.channels, metrics, [] { return NowMs(); },
      [&] {
        std::lock_guard<std::mutex> lock(random_mutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(random);
      });

  ApiRouter router;
  InfoRoutes info;
  info.plugins = &env.plugins;
  info.metrics = &metrics;
  info.database_answers = [db] { return db->Ping(); };
  info.snapshot = [db, &workers] { return TakeSnapshot(*db, workers); };
  AddInfoRoutes(router, info);
  AddNotificationRoutes(router, {&env, &metrics, [&workers] { workers.Wake(); }});
  AddRulesetRoutes(router,
                   {&env, [&workers] { return workers.Health(); }, [&workers] { workers.Wake(); }});
  web::PageRoutes page;
  page.env = &env;
  page.health = [&workers] { return workers.Health(); };
  page.saved = [&workers] { workers.Wake(); };
  page.password_file = web::AdminPasswordFile(env.settings, env.state_options.base_dir);
  page.tls = !http.tls_certificate.empty();
  page.now_ms = [] { return NowMs(); };
  web::AddPageRoutes(router, page);

  std::unique_ptr<ApiHttpServer> server;
  try {
    server = std::make_unique<ApiHttpServer>(
        http, router, [db](const std::string& key) { return KeyIsValid(*db, key); });
  } catch (const Poco::Exception& e) {
    err << "notify-host serve: cannot listen on " << ForTerminal(http.address) << ":" << http.port
        << ": " << ForTerminal(e.displayText())
        << " (another process may hold the port: set http.address / http.port)\n";
    return kExitError;
  }
  try {
    workers.Start();
  } catch (const std::exception& e) {
    err << "notify-host serve: cannot start the workers: " << ForTerminal(e.what()) << "\n";
    return kExitError;
  }
  server->Start();
  const std::string url = std::string(server->tls() ? "https" : "http") + "://" + http.address +
                          ":" + std::to_string(server->port());
  Log().information("listening on " + url + " (" + std::to_string(env.plugins.channels.size()) +
                    " channels, " + std::to_string(delivery.workers) + " workers)");
  out << "{\"listening\":\"" << url << "\",\"pid\":" << Poco::Process::id() << "}" << std::endl;

  int signal = 0;
  while (sigwait(&stop_signals, &signal) != 0) {
  }
  Log().information(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                    ": no new requests; finishing the Deliver calls in progress (" +
                    std::to_string(workers.Running()) + ")");
  server->Stop(kRequestGraceMs);
  workers.Stop();
  Log().information("stopped; undelivered notifications stay queued for the next start");
  return kExitOk;
}

int ApiKeyCreate(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 3) {
    err << "usage: notify-host api-key create NAME\n";
    return kExitUsage;
  }
  const std::string& name = cl.words[2];
  if (!IsRulesetName(name)) {
    err << "API key name '" << Shown(name)
        << "' refused: names are 1-64 characters of A-Z a-z 0-9 . _ -\n";
    return kExitUsage;
  }
  state::StateDatabase* db = OpenState(env, err);
  if (!db) return kExitError;
  NewApiKey key = MakeApiKey();
  try {
    auto tx = db->BeginWrite();
    if (!state::ApiKeyRepository(tx).Add({name, key.id, key.hash, NowMs()})) {
      err << "an API key named '" << name << "' exists already; choose another name\n";
      return kExitUsage;
    }
    tx.Commit();
  } catch (const std::exception& e) {
    return StateFailed(e, err);
  }
  out << key.key << "\n";
  err << "API key '" << name << "' created. It is shown only now: store it where its user "
      << "keeps secrets, and send it as 'Authorization: Bearer <key>'.\n";
  return kExitOk;
}

}  // namespace notify_host
