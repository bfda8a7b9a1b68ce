#include "ruleset_commands.hpp"

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "report_output.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

// The --set options as settings; kExitOk, or kExitUsage after saying why.
int SettingsFromOptions(const CommandLine& cl, notify::Settings* settings, std::ostream& err) {
  for (const auto& kv : cl.All("--set")) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "--set takes KEY=VALUE, got '" << Shown(kv.substr(0, 40)) << "'\n";
      return kExitUsage;
    }
    std::string key = kv.substr(0, eq);
    if (settings->count(key)) {
      err << "--set " << Shown(key) << " is given twice; give each setting once\n";
      return kExitUsage;
    }
    (*settings)[key] = kv.substr(eq + 1);
  }
  return kExitOk;
}

}  // namespace

int RulesetSave(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 3 || !cl.Has("--channel")) {
    err << "usage: notify-host ruleset save NAME --channel CHANNEL --set KEY=VALUE ... "
           "[--offline] [--test-to ADDR] [--json]\n";
    return kExitUsage;
  }
  const std::string& name = cl.words[2];
  if (!IsRulesetName(name)) return BadRulesetName(name, err);
  const LoadedChannel* c = FindChannel(env, cl.Option("--channel"));
  if (!c) return UnknownChannel(env, cl.Option("--channel"), err);
  const auto fields = c->channel->Fields();
  notify::Settings settings;
  if (int rc = SettingsFromOptions(cl, &settings, err); rc != kExitOk) return rc;
  // Checked before anything is read or sent: a bad address would only fail
  // after the live checks had run.
  if (cl.Has("--test-to") && !notify::sdk::IsEmailAddress(cl.Option("--test-to"))) {
    err << "--test-to takes one e-mail address, got '" << Shown(cl.Option("--test-to")) << "'\n";
    return kExitUsage;
  }
  RulesetStore store(env.rulesets_file);
  if (int rc = OpenStore(store, err); rc != kExitOk) return rc;
  // A secret is write-only: re-saving without it keeps the stored one.
  if (auto previous = store.Find(name); previous && previous->channel == c->id) {
    for (const auto& f : fields) {
      if (f.type == notify::FieldType::kSecret && !settings.count(f.key) &&
          previous->settings.count(f.key))
        settings[f.key] = previous->settings.at(f.key);
    }
  }
  const bool json = cl.Flag("--json");
  notify::ValidationOptions options;
  options.mode =
      cl.Flag("--offline") ? notify::ValidationMode::kOffline : notify::ValidationMode::kOnline;
  options.test_recipient = cl.Option("--test-to");
  auto report = c->channel->Validate(settings, options);
  PrintReport(out, report, json);
  if (!report.ok()) {
    if (!json) out << "ruleset '" << name << "' was not saved; fix the above and save again.\n";
    return kExitInvalid;
  }
  store.Put(name, {c->id, settings});
  auto saved = store.Save();
  if (!saved.ok()) {
    err << saved.message() << "\n" << saved.remedy() << "\n";
    return kExitError;
  }
  if (!json) out << "ruleset '" << name << "' saved.\n";
  return kExitOk;
}

int RulesetShow(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 3) {
    err << "usage: notify-host ruleset show NAME [--json]\n";
    return kExitUsage;
  }
  const std::string& name = cl.words[2];
  RulesetStore store(env.rulesets_file);
  if (int rc = OpenStore(store, err); rc != kExitOk) return rc;
  auto ruleset = store.Find(name);
  if (!ruleset) {
    if (!IsRulesetName(name)) return BadRulesetName(name, err);
    err << "no ruleset '" << name << "' in " << ForTerminal(env.rulesets_file) << "\n";
    return kExitUsage;
  }
  const LoadedChannel* c = FindChannel(env, ruleset->channel);
  // Without the channel's form every value is masked: any of them may be secret.
  std::vector<notify::FieldDescriptor> fields;
  if (c) {
    fields = c->channel->Fields();
  } else {
    for (const auto& [k, v] : ruleset->settings)
      fields.push_back({k, k, notify::FieldType::kSecret});
  }
  PrintRuleset(out, name, *ruleset, fields, cl.Flag("--json"));
  return kExitOk;
}

int RulesetDelete(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 3) {
    err << "usage: notify-host ruleset delete NAME\n";
    return kExitUsage;
  }
  const std::string& name = cl.words[2];
  RulesetStore store(env.rulesets_file);
  if (int rc = OpenStore(store, err); rc != kExitOk) return rc;
  // A name that breaks the rule can still be in a store written before it.
  if (!store.Remove(name)) {
    if (!IsRulesetName(name)) return BadRulesetName(name, err);
    err << "no ruleset '" << name << "' in " << ForTerminal(env.rulesets_file) << "\n";
    return kExitUsage;
  }
  auto saved = store.Save();
  if (!saved.ok()) {
    err << saved.message() << "\n" << saved.remedy() << "\n";
    return kExitError;
  }
  out << "ruleset '" << Shown(name) << "' deleted.\n";
  return kExitOk;
}

}  // namespace notify_host
