#pragma once
// What a channel reports about settings (NotificationChannel::Validate and
// Open): field issues and live check steps.
// Plain values, copied freely. Within a major version the layout of these
// types never changes (api_version.hpp); docs/host-api.md has the contract.
#include <algorithm>
#include <string>
#include <vector>

namespace notify {

// An error stops the settings from being stored; a warning does not.
enum class Severity { kError, kWarning };

// A problem with one settings field: what is wrong and how to fix it.
struct FieldIssue {
  std::string field;  // the settings key; "(plugin)" for a fault of the plugin itself
  Severity severity = Severity::kError;
  std::string message;
  std::string remedy;
};

enum class StepOutcome { kPassed, kFailed, kSkipped };

// One live check made against the real service (token, connect, TLS, login...).
struct CheckStep {
  std::string name;
  StepOutcome outcome = StepOutcome::kSkipped;
  long long elapsed_ms = 0;
  std::string detail;  // what happened; never a secret
  std::string remedy;  // what the administrator should change; empty when passed
};

// Offline: field checks only, no network. Online: field checks, then live checks.
enum class ValidationMode { kOffline, kOnline };

struct ValidationOptions {
  ValidationMode mode = ValidationMode::kOnline;
  // When not empty and every live check passed, a test message goes to this address.
  std::string test_recipient;
};

// The outcome of validating settings. ok() is true only when no issue is an
// error and no step failed.
struct ValidationReport {
  std::vector<FieldIssue> issues;
  std::vector<CheckStep> steps;

  bool ok() const {
    bool bad_field = std::any_of(issues.begin(), issues.end(), [](const FieldIssue& i) {
      return i.severity == Severity::kError;
    });
    bool bad_step = std::any_of(steps.begin(), steps.end(), [](const CheckStep& s) {
      return s.outcome == StepOutcome::kFailed;
    });
    return !bad_field && !bad_step;
  }
};

inline const char* ToString(Severity s) { return s == Severity::kError ? "error" : "warning"; }

inline const char* ToString(StepOutcome o) {
  switch (o) {
    case StepOutcome::kPassed:
      return "passed";
    case StepOutcome::kFailed:
      return "failed";
    case StepOutcome::kSkipped:
      return "skipped";
  }
  return "skipped";
}

}  // namespace notify
