#pragma once
// What the host's state database holds, as the tests compare it: every
// ruleset with its channel and settings, secrets decrypted with the host key
// beside it, as JSON text (the shape of the JSON rulesets file of the first
// version). "" when there is no database or no ruleset in it.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "state/ruleset_repository.hpp"
#include "state/state_database.hpp"

namespace host_test {

inline std::string RulesetsText(const std::filesystem::path& dir,
                                const std::string& database = "state.db") {
  if (!std::filesystem::exists(dir / database)) return "";
  notify_host::state::StateOptions options;
  options.url = "sqlite:" + (dir / database).string();
  options.base_dir = dir.string();
  options.key_file = (dir / "notify-host.key").string();
  auto db = notify_host::state::StateDatabase::Open(options);
  if (!db.ok()) return "<cannot open: " + db.status().message() + ">";
  auto tx = db.value()->BeginRead();
  notify_host::state::RulesetRepository rulesets(tx);
  auto all = rulesets.List();
  if (all.empty()) return "";
  Poco::JSON::Object root;
  for (const auto& summary : all) {
    auto r = rulesets.Find(summary.name);
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr settings = new Poco::JSON::Object;
    for (const auto& [k, v] : r->settings) settings->set(k, v);
    entry->set("channel", r->channel);
    entry->set("settings", settings);
    root.set(summary.name, entry);
  }
  std::ostringstream text;
  Poco::JSON::Stringifier::stringify(root, text, 2);
  return text.str();
}

}  // namespace host_test
