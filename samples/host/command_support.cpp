#include "command_support.hpp"

#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include "terminal_text.hpp"

namespace notify_host {

const LoadedChannel* FindChannel(const HostEnv& env, const std::string& id) {
  for (const auto& c : env.plugins.channels) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

int UnknownChannel(const HostEnv& env, const std::string& id, std::ostream& err) {
  err << "no loaded channel '" << Shown(id) << "'; loaded:";
  for (const auto& c : env.plugins.channels) err << " " << ForTerminal(c.id);
  err << "\n(enable its plugin in plugins.enabled; `notify-host plugins` lists what loaded)\n";
  return kExitUsage;
}

state::StateDatabase* OpenState(HostEnv& env, std::ostream& err) {
  if (env.state) return env.state.get();
  auto opened = state::StateDatabase::Open(env.state_options);
  if (!opened.ok()) {
    err << ForTerminal(opened.status().message()) << "\n"
        << ForTerminal(opened.status().remedy()) << "\n";
    return nullptr;
  }
  env.state = std::move(opened).value();
  return env.state.get();
}

int ReadStoredRuleset(HostEnv& env, const std::string& name,
                      std::optional<state::StoredRuleset>* found, std::ostream& err) {
  state::StateDatabase* db = OpenState(env, err);
  if (!db) return kExitError;
  try {
    auto tx = db->BeginRead();
    *found = state::RulesetRepository(tx).Find(name);
  } catch (const std::exception& e) {
    return StateFailed(e, err);
  }
  return kExitOk;
}

int StateFailed(const std::exception& e, std::ostream& err) {
  if (const auto* p = dynamic_cast<const Poco::Exception*>(&e)) {
    err << "notify-host: state database: " << ForTerminal(p->displayText())
        << "\nNothing was changed; check the disk and the state database, then try again.\n";
  } else {
    err << "notify-host: " << ForTerminal(e.what()) << "\n";
    if (const auto* s = dynamic_cast<const state::StateError*>(&e))
      err << ForTerminal(s->remedy()) << "\n";
  }
  return kExitError;
}

std::int64_t NowMs() { return Poco::Timestamp().epochMicroseconds() / 1000; }

std::string Shown(const std::string& text) {
  constexpr std::size_t kShown = 64;
  if (text.size() <= kShown) return ForTerminal(text);
  return ForTerminal(text.substr(0, kShown)) + "... (" + std::to_string(text.size()) + " bytes)";
}

int BadRulesetName(const std::string& name, std::ostream& err) {
  err << "ruleset name '" << Shown(name) << "' refused: " << kRulesetNameRule << "\n";
  return kExitUsage;
}

}  // namespace notify_host
