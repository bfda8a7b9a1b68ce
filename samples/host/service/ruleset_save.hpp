#pragma once
// Saving a ruleset (docs/security.md, "Secrets and tokens"; docs/service.md,
// "API"; docs/settings-page.md): the one save path of `notify-host ruleset
// save`, PUT /api/v1/rulesets/{name} and the settings page's Save, so all
// three refuse and store exactly alike. Only the command line asks for a
// secret (ask_secret).
#include <functional>
#include <string>

#include "host_commands.hpp"
#include "notify/host_api/host_api.hpp"
#include "notify/sdk/status.hpp"

namespace notify_host {

struct SaveRequest {
  std::string name;  // a valid ruleset name (IsRulesetName)
  const LoadedChannel* channel = nullptr;
  notify::Settings settings;  // as given; a secret left out may be kept (below)
  std::string test_to;        // a test message after the live checks, or ""
  bool offline = false;       // field checks only
  // Asks for the primary secret (PrimarySecretField) when the settings need
  // it and it was neither given nor kept; `not_kept` names the changed
  // settings when a stored one was not kept, else is empty. Unset: such a
  // secret is an error only when one is stored (SecretNotCarriedOver).
  std::function<notify::sdk::StatusOr<std::string>(const notify::FieldDescriptor& field,
                                                   const std::string& not_kept)>
      ask_secret;
};

struct SaveOutcome {
  enum class Kind { kSaved, kRefused, kConflict, kSecretNotRead };
  Kind kind = Kind::kRefused;
  // The report as `ruleset save --json` prints it. kRefused: nothing stored.
  notify::ValidationReport report;
  // kSecretNotRead: why ask_secret gave no secret; nothing was validated or stored.
  std::string unread_secret;
};

// A secret left out (empty or absent) is kept from the stored ruleset only
// when no other setting changed; one the settings do not need (the channel's
// offline checks report no error for its absence) is dropped; the mask is
// never a secret (stored_secret.hpp). Then the channel's validation runs,
// online unless `offline`; only a report without errors is stored, and only
// while the ruleset is at the revision read first. kConflict: another save
// changed the ruleset meanwhile and nothing was stored. Throws
// std::runtime_error when the state database cannot be opened or written.
SaveOutcome SaveRuleset(HostEnv& env, SaveRequest request);

}  // namespace notify_host
