#include "ruleset_store.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace notify_host {
namespace {

constexpr int kFormatVersion = 1;
constexpr std::uintmax_t kMaxStoreBytes = 16 * 1024 * 1024;

std::string Errno() { return std::strerror(errno); }

// Writes all of `data` to `fd`; false on error.
bool WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

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
                                      "Check the file and rulesets.file in the host settings.");
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

void RulesetStore::Put(const std::string& name, Ruleset ruleset) {
  rulesets_[name] = std::move(ruleset);
}

bool RulesetStore::Remove(const std::string& name) { return rulesets_.erase(name) > 0; }

notify::sdk::Status RulesetStore::Save() const {
  Poco::JSON::Object root;
  root.set("version", kFormatVersion);
  Poco::JSON::Object::Ptr all = new Poco::JSON::Object;
  for (const auto& [name, r] : rulesets_) {
    Poco::JSON::Object::Ptr entry = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr settings = new Poco::JSON::Object;
    for (const auto& [k, v] : r.settings) settings->set(k, v);
    entry->set("channel", r.channel);
    entry->set("settings", settings);
    all->set(name, entry);
  }
  root.set("rulesets", all);
  std::ostringstream text;
  Poco::JSON::Stringifier::stringify(root, text, 2);
  text << "\n";

  std::string temp = path_ + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const std::string& what) {
    ::unlink(temp.c_str());
    return notify::sdk::Status::Error(
        "cannot write the rulesets store " + path_ + ": " + what,
        "Check that the directory exists and the host may write to it; nothing was changed.");
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errno());
  ::fchmod(fd, 0600);  // whatever the umask: the file holds secrets
  bool written = WriteAll(fd, text.str()) && ::fsync(fd) == 0;
  std::string write_error = written ? "" : Errno();
  ::close(fd);
  if (!written) return fail(write_error);
  if (::rename(temp.c_str(), path_.c_str()) != 0) return fail(Errno());
  return notify::sdk::Status::Ok();
}

}  // namespace notify_host
