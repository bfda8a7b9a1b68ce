#pragma once
// A channel's settings form as data (NotificationChannel::Fields).
// Plain values, copied freely. Within a major version the layout of these
// types never changes (api_version.hpp); docs/host-api.md has the contract.
#include <optional>
#include <string>
#include <vector>

namespace notify {

// How a settings field is edited and checked by generic, descriptor-driven code.
enum class FieldType {
  kText,
  kInteger,
  kChoice,
  kEmail,
  kSecret,  // write-only: a host never displays the stored value back
  kGuid,
  kGuidOrDomain,
  kPath,
  kUrl,
  kBoolean,
};

enum class FieldGroup { kBasic, kAdvanced };

// One field of a channel's settings form. The form is data: generic checks
// (required, unknown keys, type, range, choices) run from these descriptors.
struct FieldDescriptor {
  std::string key;    // the settings key; a contract with stored rulesets
  std::string label;  // shown to the administrator
  FieldType type = FieldType::kText;
  bool required = false;
  std::string default_value;         // used when the key is absent; empty: none
  std::vector<std::string> choices;  // kChoice only
  std::optional<long long> min;      // kInteger only
  std::optional<long long> max;      // kInteger only
  std::size_t max_length = 1024;     // longest accepted value, in bytes
  std::string help;                  // where the value comes from and what it must be
  FieldGroup group = FieldGroup::kBasic;
};

// Returns a stable lower-case name for `type` ("text", "integer", ...).
inline const char* ToString(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kChoice:
      return "choice";
    case FieldType::kEmail:
      return "email";
    case FieldType::kSecret:
      return "secret";
    case FieldType::kGuid:
      return "guid";
    case FieldType::kGuidOrDomain:
      return "guid-or-domain";
    case FieldType::kPath:
      return "path";
    case FieldType::kUrl:
      return "url";
    case FieldType::kBoolean:
      return "boolean";
  }
  return "text";
}

inline const char* ToString(FieldGroup group) {
  return group == FieldGroup::kBasic ? "basic" : "advanced";
}

}  // namespace notify
