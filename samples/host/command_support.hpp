#pragma once
// What the notify-host commands share: finding a channel, opening the store,
// and naming what the administrator typed in an error line.
#include <ostream>
#include <string>

#include "host_commands.hpp"
#include "ruleset_store.hpp"

namespace notify_host {

// The loaded channel with id `id`, or nullptr.
const LoadedChannel* FindChannel(const HostEnv& env, const std::string& id);

// Says that no loaded channel has id `id` and which ones did load; kExitUsage.
int UnknownChannel(const HostEnv& env, const std::string& id, std::ostream& err);

// Loads `store`; on error says why and returns kExitError, else kExitOk.
int OpenStore(RulesetStore& store, std::ostream& err);

// `text` for an error line: escaped for the terminal and, past 64 bytes, cut
// and marked with its length (a 100 KB name is not echoed back whole).
std::string Shown(const std::string& text);

// Says that `name` breaks kRulesetNameRule; kExitUsage.
int BadRulesetName(const std::string& name, std::ostream& err);

}  // namespace notify_host
