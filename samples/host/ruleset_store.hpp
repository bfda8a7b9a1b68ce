#pragma once
// The rulesets store: one JSON file holding each ruleset's channel and
// settings. Written atomically (temp file + rename) with mode 0600, because it
// holds client secrets.
#include <map>
#include <optional>
#include <string>

#include "notify/host_api/settings.hpp"
#include "notify/sdk/status.hpp"

namespace notify_host {

// What a ruleset name may be, as said to the administrator.
constexpr const char kRulesetNameRule[] = "ruleset names are 1-64 characters of A-Z a-z 0-9 . _ -";

// True when `name` follows kRulesetNameRule.
bool IsRulesetName(const std::string& name);

struct Ruleset {
  std::string channel;  // channel id
  notify::Settings settings;
};

class RulesetStore {
 public:
  explicit RulesetStore(std::string path);

  // Reads the file; a missing file is an empty store. Error (file untouched)
  // when it cannot be read or is not a rulesets store.
  notify::sdk::Status Load();
  std::optional<Ruleset> Find(const std::string& name) const;
  void Put(const std::string& name, Ruleset ruleset);
  // Removes the ruleset `name`; false when there is none.
  bool Remove(const std::string& name);
  // Writes every ruleset to a temp file beside the store, then renames it over
  // the store: a reader sees the old or the new file, never half of one.
  notify::sdk::Status Save() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, Ruleset> rulesets_;
};

}  // namespace notify_host
