#include "service/ruleset_save.hpp"

#include <optional>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "state/ruleset_repository.hpp"
#include "stored_secret.hpp"

namespace notify_host {
namespace {

bool Given(const notify::Settings& settings, const std::string& key) {
  auto it = settings.find(key);
  return it != settings.end() && !it->second.empty();
}

// A secret is needed when the channel's offline checks of `settings`, which
// lack it, report an error for it: a secret may be required only with some
// other settings (the Microsoft 365 channel's credential = secret).
bool SecretNeeded(notify::NotificationChannel& channel, const notify::Settings& settings,
                  const notify::FieldDescriptor& field) {
  if (field.required) return true;
  notify::ValidationOptions offline;
  offline.mode = notify::ValidationMode::kOffline;
  return notify::sdk::HasErrorFor(channel.Validate(settings, offline).issues, field.key);
}

// Fills the secret fields `settings` leaves empty: from the stored ruleset
// when no other setting changed, else through `ask` for the primary one;
// returns the errors for those it cannot fill that way but the store has
// (the stored secret must not follow changed endpoints), or why `ask` failed.
notify::sdk::StatusOr<std::vector<notify::FieldIssue>> FillSecrets(
    notify::NotificationChannel& channel, const std::vector<notify::FieldDescriptor>& fields,
    const notify::Settings* stored, notify::Settings& settings,
    const decltype(SaveRequest::ask_secret)& ask) {
  std::vector<std::string> changed;
  if (stored) changed = ChangedSettings(fields, *stored, settings);
  const notify::FieldDescriptor* primary = PrimarySecretField(fields);
  std::vector<notify::FieldIssue> issues;
  for (const auto* f : SecretFields(fields)) {
    if (Given(settings, f->key)) continue;
    bool have_stored = stored && Given(*stored, f->key);
    if (have_stored && changed.empty()) {
      settings[f->key] = stored->at(f->key);
      continue;
    }
    // Not needed with the new settings (another credential): dropped.
    if (!SecretNeeded(channel, settings, *f)) continue;
    if (f == primary && ask) {
      auto typed = ask(*f, have_stored ? JoinKeys(changed) : "");
      if (!typed.ok()) return typed.status();
      settings[f->key] = std::move(typed).value();
      continue;
    }
    if (have_stored) issues.push_back(SecretNotCarriedOver(*f, changed));
  }
  return issues;
}

}  // namespace

SaveOutcome SaveRuleset(HostEnv& env, SaveRequest request) {
  const LoadedChannel* c = request.channel;
  notify::Settings& settings = request.settings;
  std::ostringstream db_error;
  state::StateDatabase* db = OpenState(env, db_error);
  if (!db) throw std::runtime_error(db_error.str());
  // Read now, stored later: the write below happens only while the ruleset is
  // still at this revision, so a save that ran meanwhile is never overwritten.
  std::optional<state::StoredRuleset> previous;
  {
    auto tx = db->BeginRead();
    previous = state::RulesetRepository(tx).Find(request.name);
  }
  const auto fields = c->channel->Fields();
  const notify::Settings* stored =
      previous && previous->channel == c->id ? &previous->settings : nullptr;
  SaveOutcome outcome;
  auto refused = FillSecrets(*c->channel, fields, stored, settings, request.ask_secret);
  if (!refused.ok()) {
    outcome.kind = SaveOutcome::Kind::kSecretNotRead;
    outcome.unread_secret = refused.status().message();
    return outcome;
  }
  notify::ValidationReport& host_checks = outcome.report;
  host_checks.issues = std::move(refused).value();
  for (auto& issue : MaskedSecrets(fields, settings)) host_checks.issues.push_back(issue);
  if (!host_checks.issues.empty()) {
    // Every problem at once: the channel's own field checks too (offline,
    // nothing is sent), without what the host already said about the secrets.
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
