#include "stored_secret.hpp"

#include <set>

#include "notify/sdk/settings.hpp"

namespace notify_host {
namespace {

std::string Effective(const notify::Settings& settings, const std::string& key,
                      const std::string& default_value) {
  auto it = settings.find(key);
  return it == settings.end() || it->second.empty() ? default_value : it->second;
}

}  // namespace

std::vector<const notify::FieldDescriptor*> SecretFields(
    const std::vector<notify::FieldDescriptor>& fields) {
  std::vector<const notify::FieldDescriptor*> secrets;
  for (const auto& f : fields) {
    if (f.type == notify::FieldType::kSecret) secrets.push_back(&f);
  }
  return secrets;
}

const notify::FieldDescriptor* PrimarySecretField(
    const std::vector<notify::FieldDescriptor>& fields) {
  auto secrets = SecretFields(fields);
  for (const auto* f : secrets) {
    if (f->required) return f;
  }
  return secrets.empty() ? nullptr : secrets.front();
}

std::vector<std::string> ChangedSettings(const std::vector<notify::FieldDescriptor>& fields,
                                         const notify::Settings& stored,
                                         const notify::Settings& next) {
  std::vector<std::string> changed;
  std::set<std::string> known;
  for (const auto& f : fields) {
    known.insert(f.key);
    if (f.type == notify::FieldType::kSecret) continue;
    if (Effective(stored, f.key, f.default_value) != Effective(next, f.key, f.default_value))
      changed.push_back(f.key);
  }
  std::set<std::string> others;
  for (const auto* settings : {&stored, &next}) {
    for (const auto& [key, value] : *settings) {
      if (!known.count(key) && Effective(stored, key, "") != Effective(next, key, ""))
        others.insert(key);
    }
  }
  changed.insert(changed.end(), others.begin(), others.end());
  return changed;
}

notify::FieldIssue SecretNotCarriedOver(const notify::FieldDescriptor& field,
                                        const std::vector<std::string>& changed) {
  std::string keys = JoinKeys(changed);
  return {field.key, notify::Severity::kError,
          field.label +
              ": re-enter the secret: the endpoints it would be sent to may have "
              "changed (" +
              keys + "); notify-host keeps a stored secret only when no other setting changed",
          "Give the secret again (--secret-stdin, the prompt on a terminal, or --set " + field.key +
              "=...), or save with the stored values of " + keys + "."};
}

std::vector<notify::FieldIssue> MaskedSecrets(const std::vector<notify::FieldDescriptor>& fields,
                                              const notify::Settings& settings) {
  std::vector<notify::FieldIssue> issues;
  const std::string mask = notify::sdk::MaskSecret("x");
  for (const auto* f : SecretFields(fields)) {
    auto it = settings.find(f->key);
    if (it == settings.end() || it->second != mask) continue;
    issues.push_back(
        {f->key, notify::Severity::kError,
         f->label + ": \"" + mask + "\" is how `ruleset show` masks a secret, not a secret",
         "Give the secret itself, or leave " + f->key + " out to keep the stored one."});
  }
  return issues;
}

std::string JoinKeys(const std::vector<std::string>& keys) {
  std::string text;
  for (const auto& k : keys) text += (text.empty() ? "" : ", ") + k;
  return text;
}

}  // namespace notify_host
