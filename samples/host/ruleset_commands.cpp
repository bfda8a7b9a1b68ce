#include "ruleset_commands.hpp"

#include <filesystem>
#include <optional>
#include <set>

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "report_output.hpp"
#include "ruleset_store.hpp"
#include "secret_input.hpp"
#include "service/ruleset_save.hpp"
#include "state/ruleset_repository.hpp"
#include "stored_secret.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

bool Given(const notify::Settings& settings, const std::string& key) {
  auto it = settings.find(key);
  return it != settings.end() && !it->second.empty();
}

std::string Prompt(const notify::FieldDescriptor& field) {
  return ForTerminal(field.label) + " (" + ForTerminal(field.key) + "): ";
}

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
           "[--secret-stdin] [--offline] [--test-to ADDR] [--json]\n";
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
  const notify::FieldDescriptor* primary = PrimarySecretField(fields);
  const bool secret_stdin = cl.Flag("--secret-stdin");
  if (secret_stdin && !primary) {
    err << "--secret-stdin: channel " << ForTerminal(c->id) << " has no secret field\n";
    return kExitUsage;
  }
  if (secret_stdin && settings.count(primary->key)) {
    err << "--secret-stdin and --set " << ForTerminal(primary->key)
        << " both give the secret; give it once\n";
    return kExitUsage;
  }
  for (const auto* f : SecretFields(fields)) {
    if (Given(settings, f->key)) {
      err << "notify-host: warning: " << ForTerminal(f->key)
          << " was given on the command line, where other local users can read it (ps, "
             "/proc/<pid>/cmdline); use --secret-stdin or the prompt instead\n";
    }
  }
  if (!OpenState(env, err)) return kExitError;
  if (secret_stdin) {
    auto piped = ReadSecretFromStdin(Prompt(*primary));
    if (!piped.ok()) {
      err << "--secret-stdin: " << piped.status().message() << "\n";
      return kExitUsage;
    }
    settings[primary->key] = std::move(piped).value();
  }
  SaveRequest request{name, c, std::move(settings), cl.Option("--test-to"), cl.Flag("--offline")};
  if (StdinIsTerminal()) {
    request.ask_secret = [&err](const notify::FieldDescriptor& field, const std::string& not_kept) {
      if (!not_kept.empty()) {
        err << "The stored " << ForTerminal(field.key) << " is not kept: " << ForTerminal(not_kept)
            << " changed. Enter it again.\n";
      }
      return ReadSecretFromStdin(Prompt(field));
    };
  }
  SaveOutcome outcome;
  try {
    outcome = SaveRuleset(env, std::move(request));
  } catch (const std::exception& e) {
    return StateFailed(e, err);
  }
  if (outcome.kind == SaveOutcome::Kind::kSecretNotRead) {
    err << outcome.unread_secret << "\n";
    return kExitUsage;
  }
  const bool json = cl.Flag("--json");
  PrintReport(out, outcome.report, json);
  if (outcome.kind == SaveOutcome::Kind::kRefused) {
    if (!json) out << "ruleset '" << name << "' was not saved; fix the above and save again.\n";
    return kExitInvalid;
  }
  if (outcome.kind == SaveOutcome::Kind::kConflict) {
    err << "ruleset '" << name
        << "' was changed by another save while this one was being checked; nothing was "
           "stored.\nShow it, then save again.\n";
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
  if (!IsRulesetName(name)) return BadRulesetName(name, err);
  std::optional<state::StoredRuleset> ruleset;
  if (int rc = ReadStoredRuleset(env, name, &ruleset, err); rc != kExitOk) return rc;
  if (!ruleset) {
    err << "no ruleset '" << name << "' in " << ForTerminal(env.state->where()) << "\n";
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
  // A value stored sealed is masked even when the form no longer calls it secret.
  for (const auto& key : ruleset->sealed_keys) {
    bool known = false;
    for (auto& f : fields) {
      if (f.key != key) continue;
      f.type = notify::FieldType::kSecret;
      known = true;
    }
    if (!known) fields.push_back({key, key, notify::FieldType::kSecret});
  }
  PrintRuleset(out, name, Ruleset{ruleset->channel, ruleset->settings}, fields, cl.Flag("--json"));
  return kExitOk;
}

int RulesetDelete(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 3) {
    err << "usage: notify-host ruleset delete NAME\n";
    return kExitUsage;
  }
  const std::string& name = cl.words[2];
  if (!IsRulesetName(name)) return BadRulesetName(name, err);
  state::StateDatabase* db = OpenState(env, err);
  if (!db) return kExitError;
  try {
    auto tx = db->BeginWrite();
    if (!state::RulesetRepository(tx).Remove(name)) {
      err << "no ruleset '" << name << "' in " << ForTerminal(db->where()) << "\n";
      return kExitUsage;
    }
    tx.Commit();
  } catch (const std::exception& e) {
    return StateFailed(e, err);
  }
  out << "ruleset '" << Shown(name) << "' deleted.\n";
  return kExitOk;
}

int ImportRulesets(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err) {
  if (cl.words.size() != 2) {
    err << "usage: notify-host import-rulesets FILE.json\n";
    return kExitUsage;
  }
  RulesetStore file(cl.words[1]);
  if (!std::filesystem::exists(cl.words[1])) {
    err << "import-rulesets: " << Shown(cl.words[1]) << " does not exist\n";
    return kExitUsage;
  }
  if (auto loaded = file.Load(); !loaded.ok()) {
    err << ForTerminal(loaded.message()) << "\n" << ForTerminal(loaded.remedy()) << "\n";
    return kExitError;
  }
  state::StateDatabase* db = OpenState(env, err);
  if (!db) return kExitError;
  int imported = 0;
  try {
    auto tx = db->BeginWrite();
    state::RulesetRepository rulesets(tx);
    for (const auto& [name, ruleset] : file.all()) {
      if (!IsRulesetName(name)) {
        out << "skipped '" << Shown(name) << "': " << kRulesetNameRule << "\n";
        continue;
      }
      // Without the channel's form every value may be a secret: all are sealed.
      std::set<std::string> sealed;
      if (const LoadedChannel* c = FindChannel(env, ruleset.channel)) {
        // The form must outlive the pointers SecretFields hands out into it.
        const auto fields = c->channel->Fields();
        for (const auto* f : SecretFields(fields)) sealed.insert(f->key);
      } else {
        for (const auto& [key, value] : ruleset.settings) sealed.insert(key);
      }
      if (rulesets.Put(name, ruleset.channel, ruleset.settings, sealed, 0, NowMs()) ==
          state::PutOutcome::kConflict) {
        out << "kept '" << name << "': a ruleset of that name is already in the database\n";
        continue;
      }
      out << "imported '" << name << "'\n";
      ++imported;
    }
    tx.Commit();
  } catch (const std::exception& e) {
    return StateFailed(e, err);
  }
  out << imported << " of " << file.all().size() << " rulesets imported into "
      << ForTerminal(db->where()) << "\n";
  return kExitOk;
}

}  // namespace notify_host
