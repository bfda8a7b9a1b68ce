#pragma once
// notify-host ruleset save | show | delete, and import-rulesets.
#include <ostream>

#include "command_line.hpp"
#include "host_commands.hpp"

namespace notify_host {

// ruleset save NAME --channel CHANNEL --set KEY=VALUE ... [--secret-stdin]
//   [--offline] [--test-to ADDR] [--json]
// Stores the ruleset only when the host's checks and the channel's
// validation pass; otherwise kExitInvalid and the store is left as it was.
// The host's checks: a secret left out is kept from the stored ruleset only
// when no other setting changed (stored_secret.hpp); the mask is never a
// secret. A secret comes from --set (with a warning: others can read the
// command line), --secret-stdin, or a no-echo prompt when stdin is a
// terminal and the channel needs one.
int RulesetSave(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

// ruleset show NAME [--json]: secrets masked.
int RulesetShow(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

// ruleset delete NAME: kExitUsage when there is no such ruleset.
int RulesetDelete(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

// import-rulesets FILE.json: brings the rulesets of a JSON rulesets file
// (ruleset_store.hpp) into the state database in one transaction, secrets
// sealed: the fields the channel's form calls secret, or every value when the
// channel is not loaded. A name already in the database is kept as it is and
// named; a name that breaks kRulesetNameRule is skipped and named. kExitError,
// with nothing imported, when the file cannot be read.
int ImportRulesets(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

}  // namespace notify_host
