#include "ruleset_store.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace notify_host {
namespace {

constexpr int kFormatVersion = 1;  // the only version ever written
constexpr std::uintmax_t kMaxStoreBytes = 16 * 1024 * 1024;

std::string Errno() { return std::strerror(errno); }

}  // namespace

bool IsRulesetName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

RulesetStore::RulesetStore(std::string path) : path_(std::move(path)) {}

notify::sdk::Status RulesetStore::Load() {
  rulesets_.clear();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return notify::sdk::Status::Ok();
  auto size = std::filesystem::file_size(path_, ec);
  if (ec || size > kMaxStoreBytes) {
    return notify::sdk::Status::Error("rulesets store " + path_ + " cannot be read",
                                      "Check the file given to import-rulesets.");
  }
  std::ifstream in(path_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return notify::sdk::Status::Error("rulesets store " + path_ + " cannot be read: " + Errno(),
                                      "Check its permissions.");
  }
  try {
    Poco::JSON::Parser parser;
    auto root = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
    if (!root || root->optValue<int>("version", 0) != kFormatVersion || !root->isObject("rulesets"))
      throw Poco::Exception("not a version 1 rulesets store");
    auto all = root->getObject("rulesets");
    for (const auto& name : all->getNames()) {
      auto entry = all->getObject(name);
      if (!entry || !entry->isObject("settings"))
        throw Poco::Exception("ruleset " + name + " is malformed");
      Ruleset r;
      if (!entry->get("channel").isString())
        throw Poco::Exception("ruleset " + name + " has no channel");
      r.channel = entry->getValue<std::string>("channel");
      auto settings = entry->getObject("settings");
      for (const auto& key : settings->getNames()) {
        // Only strings are ever written; anything else would be converted
        // into a different value and saved back silently.
        if (!settings->get(key).isString())
          throw Poco::Exception("setting " + key + " of ruleset " + name + " is not a string");
        r.settings[key] = settings->getValue<std::string>(key);
      }
      rulesets_[name] = std::move(r);
    }
  } catch (const Poco::Exception& e) {
    rulesets_.clear();
    return notify::sdk::Status::Error(
        "rulesets store " + path_ + " is corrupt (" + e.displayText() + "); it was left untouched",
        "Restore it from a backup, or move it away to start with an empty store.");
  } catch (const std::exception& e) {
    rulesets_.clear();
    return notify::sdk::Status::Error(
        "rulesets store " + path_ + " is corrupt (" + e.what() + "); it was left untouched",
        "Restore it from a backup, or move it away to start with an empty store.");
  }
  return notify::sdk::Status::Ok();
}

std::optional<Ruleset> RulesetStore::Find(const std::string& name) const {
  auto it = rulesets_.find(name);
  if (it == rulesets_.end()) return std::nullopt;
  return it->second;
}

}  // namespace notify_host
