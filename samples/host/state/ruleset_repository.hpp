#pragma once
// Rulesets in the state database: each ruleset's channel and settings, the
// secret settings sealed with the host key (secret_box.hpp), and a revision
// that grows by one at every save so that a save can refuse to overwrite a
// ruleset that changed since it was read (no lost update).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "notify/host_api/settings.hpp"
#include "state/state_database.hpp"

namespace notify_host::state {

struct StoredRuleset {
  std::string name;
  std::string channel;
  notify::Settings settings;          // secrets decrypted
  std::set<std::string> sealed_keys;  // the keys stored sealed
  std::int64_t revision = 0;
  std::int64_t updated_at_ms = 0;
};

struct RulesetSummary {
  std::string name;
  std::string channel;
  std::int64_t revision = 0;
  std::int64_t updated_at_ms = 0;
};

enum class PutOutcome { kStored, kConflict };

class RulesetRepository {
 public:
  explicit RulesetRepository(Transaction& tx) : tx_(tx) {}

  // The ruleset `name` with its secrets decrypted, or nullopt. Throws
  // StateError when a sealed value does not open (changed in the database,
  // or moved from another row).
  std::optional<StoredRuleset> Find(const std::string& name);
  // The revision of `name`, 0 when there is none.
  std::int64_t Revision(const std::string& name);
  // Every ruleset, by name.
  std::vector<RulesetSummary> List();

  // Stores `name` with `channel` and `settings`, replacing what was there;
  // the values of `secret_keys` are sealed. With `expected_revision` set the
  // ruleset is stored only when its revision is still that (0: it must not
  // exist yet); otherwise kConflict and nothing changes. The new revision is
  // the old one plus one.
  PutOutcome Put(const std::string& name, const std::string& channel,
                 const notify::Settings& settings, const std::set<std::string>& secret_keys,
                 std::optional<std::int64_t> expected_revision, std::int64_t now_ms);

  // Removes `name` and its settings; false when there is none.
  bool Remove(const std::string& name);

 private:
  Transaction& tx_;
};

}  // namespace notify_host::state
