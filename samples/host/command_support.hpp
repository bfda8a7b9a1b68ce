#pragma once
// What the notify-host commands share: finding a channel, opening the state database,
// and naming what the administrator typed in an error line.
#include <cstdint>
#include <exception>
#include <optional>
#include <ostream>
#include <string>

#include "host_commands.hpp"
#include "ruleset_store.hpp"
#include "state/ruleset_repository.hpp"

namespace notify_host {

// The loaded channel with id `id`, or nullptr.
const LoadedChannel* FindChannel(const HostEnv& env, const std::string& id);

// Says that no loaded channel has id `id` and which ones did load; kExitUsage.
int UnknownChannel(const HostEnv& env, const std::string& id, std::ostream& err);

// The state database of `env`, opened (and migrated) at the first call; nullptr
// after saying why it cannot be opened.
state::StateDatabase* OpenState(HostEnv& env, std::ostream& err);

// Reads ruleset `name` from the state database into *found (std::nullopt when
// there is none): kExitOk, or kExitError after saying why the database could
// not be opened or read.
int ReadStoredRuleset(HostEnv& env, const std::string& name,
                      std::optional<state::StoredRuleset>* found, std::ostream& err);

// Says what went wrong with the state database (a StateError or a
// Poco::Exception caught by the command); kExitError.
int StateFailed(const std::exception& e, std::ostream& err);

// Now, in Unix milliseconds, for the times the state database records.
std::int64_t NowMs();

// `text` for an error line: escaped for the terminal and, past 64 bytes, cut
// and marked with its length (a 100 KB name is not echoed back whole).
std::string Shown(const std::string& text);

// Says that `name` breaks kRulesetNameRule; kExitUsage.
int BadRulesetName(const std::string& name, std::ostream& err);

}  // namespace notify_host
