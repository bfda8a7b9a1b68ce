#pragma once
// How notify-host prints forms, validation reports, rulesets and delivery
// results: for a person (marks and remedies) or as JSON. Every text from a
// plugin, a server, a file or the store goes through ForTerminal for a
// person and ForJson for JSON (terminal_text.hpp).
#include <ostream>
#include <string>
#include <vector>

#include "notify/host_api/host_api.hpp"
#include "plugin_loader.hpp"
#include "ruleset_store.hpp"

namespace notify_host {

void PrintFields(std::ostream& out, const std::vector<notify::FieldDescriptor>& fields, bool json);
void PrintReport(std::ostream& out, const notify::ValidationReport& report, bool json);
// Secret fields show as "********"; values never leave in clear.
void PrintRuleset(std::ostream& out, const std::string& name, const Ruleset& ruleset,
                  const std::vector<notify::FieldDescriptor>& fields, bool json);
// One line per loaded channel (id, name, version, api, file), then one per
// refused plugin ("refused", file, reason), tab-separated.
void PrintPlugins(std::ostream& out, const LoadOutcome& plugins);
// One line per result.
void PrintResult(std::ostream& out, const notify::DeliveryResult& result, bool json);

}  // namespace notify_host
