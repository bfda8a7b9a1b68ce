#include "report_output.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include "notify/sdk/settings.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Every string that goes into JSON goes through here: valid UTF-8, so the
// output is valid JSON (the stringifier escapes the controls).
void Put(Object& o, const std::string& key, const std::string& value) {
  o.set(ForJson(key), ForJson(value));
}

void Emit(std::ostream& out, const Object& o) {
  Poco::JSON::Stringifier::condense(o, out);
  out << "\n";
}

const char* Mark(notify::StepOutcome o) {
  switch (o) {
    case notify::StepOutcome::kPassed:
      return "[ok]  ";
    case notify::StepOutcome::kFailed:
      return "[FAIL]";
    case notify::StepOutcome::kSkipped:
      return "[skip]";
  }
  return "";
}

bool IsSecret(const std::vector<notify::FieldDescriptor>& fields, const std::string& key) {
  for (const auto& f : fields) {
    if (f.key == key) return f.type == notify::FieldType::kSecret;
  }
  return false;
}

}  // namespace

void PrintFields(std::ostream& out, const std::vector<notify::FieldDescriptor>& fields, bool json) {
  if (json) {
    Array::Ptr list = new Array;
    for (const auto& f : fields) {
      Object::Ptr o = new Object;
      Put(*o, "key", f.key);
      Put(*o, "label", f.label);
      o->set("type", notify::ToString(f.type));
      o->set("required", f.required);
      Put(*o, "default", f.default_value);
      Array::Ptr choices = new Array;
      for (const auto& c : f.choices) choices->add(ForJson(c));
      o->set("choices", choices);
      if (f.min) o->set("min", *f.min);
      if (f.max) o->set("max", *f.max);
      Put(*o, "help", f.help);
      o->set("group", notify::ToString(f.group));
      list->add(o);
    }
    Object root;
    root.set("fields", list);
    Emit(out, root);
    return;
  }
  for (auto group : {notify::FieldGroup::kBasic, notify::FieldGroup::kAdvanced}) {
    out << (group == notify::FieldGroup::kBasic ? "Basic settings\n" : "\nAdvanced settings\n");
    for (const auto& f : fields) {
      if (f.group != group) continue;
      out << "  " << ForTerminal(f.key) << "  (" << ForTerminal(f.label) << ", "
          << notify::ToString(f.type) << (f.required ? ", required" : "");
      if (!f.default_value.empty()) out << ", default " << ForTerminal(f.default_value);
      if (!f.choices.empty()) {
        out << ", one of:";
        for (const auto& c : f.choices) out << " " << ForTerminal(c);
      }
      if (f.min || f.max) out << ", " << f.min.value_or(0) << "-" << f.max.value_or(0);
      out << ")\n      " << ForTerminal(f.help) << "\n";
    }
  }
}

void PrintReport(std::ostream& out, const notify::ValidationReport& report, bool json) {
  if (json) {
    Object root;
    root.set("ok", report.ok());
    Array::Ptr issues = new Array;
    for (const auto& i : report.issues) {
      Object::Ptr o = new Object;
      Put(*o, "field", i.field);
      o->set("severity", notify::ToString(i.severity));
      Put(*o, "message", i.message);
      Put(*o, "remedy", i.remedy);
      issues->add(o);
    }
    Array::Ptr steps = new Array;
    for (const auto& s : report.steps) {
      Object::Ptr o = new Object;
      Put(*o, "name", s.name);
      o->set("outcome", notify::ToString(s.outcome));
      o->set("elapsed_ms", s.elapsed_ms);
      Put(*o, "detail", s.detail);
      Put(*o, "remedy", s.remedy);
      steps->add(o);
    }
    root.set("issues", issues);
    root.set("steps", steps);
    Emit(out, root);
    return;
  }
  for (const auto& i : report.issues) {
    out << (i.severity == notify::Severity::kError ? "[FAIL] " : "[warn] ") << ForTerminal(i.field)
        << ": " << ForTerminal(i.message) << "\n";
    if (!i.remedy.empty()) out << "       fix: " << ForTerminal(i.remedy) << "\n";
  }
  for (const auto& s : report.steps) {
    out << Mark(s.outcome) << " " << ForTerminal(s.name);
    if (s.outcome != notify::StepOutcome::kSkipped) out << " (" << s.elapsed_ms << " ms)";
    if (!s.detail.empty()) out << ": " << ForTerminal(s.detail);
    out << "\n";
    if (s.outcome == notify::StepOutcome::kFailed && !s.remedy.empty())
      out << "       fix: " << ForTerminal(s.remedy) << "\n";
  }
}

void PrintRuleset(std::ostream& out, const std::string& name, const Ruleset& ruleset,
                  const std::vector<notify::FieldDescriptor>& fields, bool json) {
  if (json) {
    Object root;
    Put(root, "name", name);
    Put(root, "channel", ruleset.channel);
    Object::Ptr settings = new Object;
    for (const auto& [k, v] : ruleset.settings)
      Put(*settings, k, IsSecret(fields, k) ? notify::sdk::MaskSecret(v) : v);
    root.set("settings", settings);
    Emit(out, root);
    return;
  }
  out << "ruleset " << ForTerminal(name) << " (channel " << ForTerminal(ruleset.channel) << ")\n";
  for (const auto& [k, v] : ruleset.settings) {
    out << "  " << ForTerminal(k) << " = "
        << ForTerminal(IsSecret(fields, k) ? notify::sdk::MaskSecret(v) : v) << "\n";
  }
}

void PrintPlugins(std::ostream& out, const LoadOutcome& plugins) {
  for (const auto& c : plugins.channels) {
    out << ForTerminal(c.id) << "\t" << ForTerminal(c.display_name) << "\t"
        << ForTerminal(c.version) << "\tapi " << c.api.major << "." << c.api.minor << "\t"
        << ForTerminal(c.file) << "\n";
  }
  for (const auto& r : plugins.refused)
    out << "refused\t" << ForTerminal(r.file) << "\t" << ForTerminal(r.reason) << "\n";
}

void PrintResult(std::ostream& out, const notify::DeliveryResult& r, bool json) {
  if (json) {
    Object o;
    Put(o, "id", r.id);
    o.set("status", notify::ToString(r.status));
    o.set("code", r.code);
    Put(o, "enhanced", r.enhanced);
    Put(o, "detail", r.detail);
    o.set("retry_after_s", r.retry_after_s);
    Emit(out, o);
    return;
  }
  out << ForTerminal(r.id) << ": " << notify::ToString(r.status);
  if (r.code != 0)
    out << " " << r.code << (r.enhanced.empty() ? "" : " " + ForTerminal(r.enhanced));
  if (!r.detail.empty()) out << " " << ForTerminal(r.detail);
  if (r.status == notify::DeliveryStatus::kRetryLater && r.retry_after_s > 0)
    out << " (retry after " << r.retry_after_s << " s)";
  out << "\n";
}

}  // namespace notify_host
