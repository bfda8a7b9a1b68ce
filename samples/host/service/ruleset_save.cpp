#include "service/ruleset_save.hpp"

#include <set>
#include <sstream>

#include "command_support.hpp"
#include "state/ruleset_repository.hpp"
#include "stored_secret.hpp"

namespace notify_host {

SaveOutcome SaveRuleset(HostEnv& env, SaveRequest request) {
  const LoadedChannel* c = request.channel;
  notify::Settings& settings = request.settings;
  std::ostringstream db_error;
  state::StateDatabase* db = OpenState(env, db_error);
  if (!db) throw std::runtime_error(db_error.str());
  std::optional<state::StoredRuleset> previous;
  {
    auto tx = db->BeginRead();
    previous = state::RulesetRepository(tx).Find(request.name);
  }
  const auto fields = c->channel->Fields();
  SaveOutcome outcome;
  notify::ValidationReport& host_checks = outcome.report;
  if (previous && previous->channel == c->id) {
    const auto changed = ChangedSettings(fields, previous->settings, settings);
    for (const auto* f : SecretFields(fields)) {
      auto given = settings.find(f->key);
      if (given != settings.end() && !given->second.empty()) continue;
      auto stored = previous->settings.find(f->key);
      if (stored == previous->settings.end() || stored->second.empty()) continue;
      if (changed.empty()) {
        settings[f->key] = stored->second;
      } else {
        host_checks.issues.push_back(SecretNotCarriedOver(*f, changed));
      }
    }
  }
  for (auto& issue : MaskedSecrets(fields, settings)) host_checks.issues.push_back(issue);
  if (!host_checks.issues.empty()) {
    std::set<std::string> said;
    for (const auto& issue : host_checks.issues) {
      said.insert(issue.field);
      settings.erase(issue.field);
    }
    notify::ValidationOptions offline;
    offline.mode = notify::ValidationMode::kOffline;
    for (auto& issue : c->channel->Validate(settings, offline).issues)
      if (!said.count(issue.field)) host_checks.issues.push_back(std::move(issue));
    return outcome;
  }
  notify::ValidationOptions options;
  options.mode =
      request.offline ? notify::ValidationMode::kOffline : notify::ValidationMode::kOnline;
  options.test_recipient = request.test_to;
  outcome.report = c->channel->Validate(settings, options);
  if (!outcome.report.ok()) return outcome;
  std::set<std::string> secret_keys;
  for (const auto* f : SecretFields(fields)) secret_keys.insert(f->key);
  {
    auto tx = db->BeginWrite();
    auto put = state::RulesetRepository(tx).Put(request.name, c->id, settings, secret_keys,
                                                previous ? previous->revision : 0, NowMs());
    if (put == state::PutOutcome::kConflict) {
      outcome.kind = SaveOutcome::Kind::kConflict;
      return outcome;
    }
    tx.Commit();
  }
  outcome.kind = SaveOutcome::Kind::kSaved;
  return outcome;
}

}  // namespace notify_host
