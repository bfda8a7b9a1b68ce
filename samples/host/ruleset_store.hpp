#pragma once
// The JSON rulesets file of notify-host's first version (`rulesets.file`):
// each ruleset's channel and settings, secrets in plain text. Rulesets now live
// in the state database (state/state_database.hpp); this reader stays for
// `notify-host import-rulesets FILE.json`, which brings such a file in.
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
  explicit RulesetStore(std::string path);  // a rulesets file to read

  // Reads the file; a missing file is an empty store. Error (file untouched)
  // when it cannot be read or is not a rulesets store.
  notify::sdk::Status Load();
  std::optional<Ruleset> Find(const std::string& name) const;
  // Every ruleset read, by name.
  const std::map<std::string, Ruleset>& all() const { return rulesets_; }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, Ruleset> rulesets_;
};

}  // namespace notify_host
