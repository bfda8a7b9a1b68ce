#include "state/ruleset_repository.hpp"

#include <Poco/Data/Statement.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;

std::optional<StoredRuleset> RulesetRepository::Find(const std::string& name) {
  auto& s = tx_.session();
  std::vector<std::string> channels;
  std::vector<Poco::Int64> revisions, updated;
  s << tx_.Sql("SELECT channel, revision, updated_at FROM rulesets WHERE name = ?"), into(channels),
      into(revisions), into(updated), bind(name), now;
  if (channels.empty()) return std::nullopt;
  StoredRuleset r;
  r.name = name;
  r.channel = channels.front();
  r.revision = revisions.front();
  r.updated_at_ms = updated.front();
  std::vector<std::string> keys, values;
  std::vector<int> sealed;
  s << tx_.Sql("SELECT setting_key, setting_value, sealed FROM ruleset_settings WHERE ruleset = ?"),
      into(keys), into(values), into(sealed), bind(name), now;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!sealed[i]) {
      r.settings[keys[i]] = values[i];
      continue;
    }
    auto plain = tx_.secrets().Open(values[i], SecretBox::SettingContext(name, keys[i]));
    if (!plain) {
      throw StateError("setting " + keys[i] + " of ruleset " + name +
                           " does not decrypt with the host key (it was changed in the database "
                           "or copied from another row)",
                       "Save the ruleset again with the secret.");
    }
    r.settings[keys[i]] = std::move(*plain);
    r.sealed_keys.insert(keys[i]);
  }
  return r;
}

std::int64_t RulesetRepository::Revision(const std::string& name) {
  std::vector<Poco::Int64> revisions;
  tx_.session() << tx_.Sql("SELECT revision FROM rulesets WHERE name = ?"), into(revisions),
      bind(name), now;
  return revisions.empty() ? 0 : revisions.front();
}

std::vector<RulesetSummary> RulesetRepository::List() {
  std::vector<std::string> names, channels;
  std::vector<Poco::Int64> revisions, updated;
  tx_.session() << tx_.Sql(
      "SELECT name, channel, revision, updated_at FROM rulesets ORDER BY name"),
      into(names), into(channels), into(revisions), into(updated), now;
  std::vector<RulesetSummary> all;
  for (std::size_t i = 0; i < names.size(); ++i)
    all.push_back({names[i], channels[i], revisions[i], updated[i]});
  return all;
}

PutOutcome RulesetRepository::Put(const std::string& name, const std::string& channel,
                                  const notify::Settings& settings,
                                  const std::set<std::string>& secret_keys,
                                  std::optional<std::int64_t> expected_revision,
                                  std::int64_t now_ms) {
  auto& s = tx_.session();
  const std::int64_t current = Revision(name);
  if (expected_revision && *expected_revision != current) return PutOutcome::kConflict;
  const Poco::Int64 next = current + 1;
  if (current == 0) {
    s << tx_.Sql("INSERT INTO rulesets (name, channel, revision, updated_at) VALUES (?, ?, ?, ?)"),
        bind(name), bind(channel), bind(next), bind(Poco::Int64(now_ms)), now;
  } else {
    // Only while it is still the revision read: on PostgreSQL another host's
    // save may have come in between (SQLite's BEGIN IMMEDIATE excludes it).
    Poco::Data::Statement update(s);
    update << tx_.Sql(
        "UPDATE rulesets SET channel = ?, revision = ?, updated_at = ? "
        "WHERE name = ? AND revision = ?"),
        bind(channel), bind(next), bind(Poco::Int64(now_ms)), bind(name),
        bind(Poco::Int64(current));
    if (update.execute() == 0) return PutOutcome::kConflict;
    s << tx_.Sql("DELETE FROM ruleset_settings WHERE ruleset = ?"), bind(name), now;
  }
  for (const auto& [key, value] : settings) {
    const bool seal = secret_keys.count(key) > 0;
    std::string stored =
        seal ? tx_.secrets().Seal(value, SecretBox::SettingContext(name, key)) : value;
    s << tx_.Sql(
        "INSERT INTO ruleset_settings (ruleset, setting_key, setting_value, sealed) "
        "VALUES (?, ?, ?, ?)"),
        bind(name), bind(key), bind(stored), bind(seal ? 1 : 0), now;
  }
  return PutOutcome::kStored;
}

bool RulesetRepository::Remove(const std::string& name) {
  auto& s = tx_.session();
  if (Revision(name) == 0) return false;
  s << tx_.Sql("DELETE FROM ruleset_settings WHERE ruleset = ?"), bind(name), now;
  s << tx_.Sql("DELETE FROM channel_health WHERE ruleset = ?"), bind(name), now;
  s << tx_.Sql("DELETE FROM rulesets WHERE name = ?"), bind(name), now;
  return true;
}

}  // namespace notify_host::state
