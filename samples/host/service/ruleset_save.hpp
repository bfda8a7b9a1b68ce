#pragma once
// Saving a ruleset from the service (docs/service.md, "API"; docs/settings-page.md):
// the checks of `notify-host ruleset save` without a terminal, shared by
// PUT /api/v1/rulesets/{name} and the settings page's Save, so both refuse
// and store exactly alike.
#include <string>

#include "host_commands.hpp"
#include "notify/host_api/host_api.hpp"

namespace notify_host {

struct SaveRequest {
  std::string name;  // a valid ruleset name (IsRulesetName)
  const LoadedChannel* channel = nullptr;
  notify::Settings settings;  // as given; a secret left out may be kept (below)
  std::string test_to;        // a test message after the live checks, or ""
  bool offline = false;       // field checks only
};

struct SaveOutcome {
  enum class Kind { kSaved, kRefused, kConflict };
  Kind kind = Kind::kRefused;
  // The report as `ruleset save --json` prints it. kRefused: nothing stored.
  notify::ValidationReport report;
};

// A secret left out (empty or absent) is kept from the stored ruleset only
// when no other setting changed, and the mask is never a secret
// (stored_secret.hpp); then the channel's validation runs, online unless
// `offline`; only a report without errors is stored. kConflict: another save
// changed the ruleset meanwhile and nothing was stored. Throws
// std::runtime_error when the state database cannot be opened or written.
SaveOutcome SaveRuleset(HostEnv& env, SaveRequest request);

}  // namespace notify_host
