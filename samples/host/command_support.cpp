#include "command_support.hpp"

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

int OpenStore(RulesetStore& store, std::ostream& err) {
  auto loaded = store.Load();
  if (!loaded.ok()) {
    err << ForTerminal(loaded.message()) << "\n" << ForTerminal(loaded.remedy()) << "\n";
    return kExitError;
  }
  return kExitOk;
}

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
