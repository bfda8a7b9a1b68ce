#pragma once
// Descriptor-driven settings checks and typed access. Generic rules live here
// once; a plugin writes only its semantic checks.
#include <optional>
#include <string>
#include <vector>

#include "notify/host_api/fields.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace notify::sdk {

// Checks every generic rule at once and returns every problem found, each with
// field, message and remedy: unknown keys, required values, length, control
// characters (CR, LF, NUL...), and the rules of each FieldType (integer and
// range, choice, e-mail, GUID, GUID-or-domain, URL, boolean).
std::vector<FieldIssue> CheckFields(const std::vector<FieldDescriptor>& fields,
                                    const Settings& settings);

// True when some issue is an error (a warning is not).
bool HasError(const std::vector<FieldIssue>& issues);
// True when some issue is an error for the settings key `field`.
bool HasErrorFor(const std::vector<FieldIssue>& issues, const std::string& field);

// Typed read access to settings, falling back to each field's default.
// Values are assumed checked by CheckFields; a missing or malformed value
// yields the default (or 0 / false / "").
class SettingsView {
 public:
  SettingsView(std::vector<FieldDescriptor> fields, Settings settings);

  // The stored value, or the field's default when absent or empty.
  std::string Get(const std::string& key) const;
  long long GetInt(const std::string& key) const;
  bool GetBool(const std::string& key) const;
  // True when the settings hold a non-empty value for `key`.
  bool Has(const std::string& key) const;

 private:
  const FieldDescriptor* Find(const std::string& key) const;
  // Copies, so a view may be built from temporaries (e.g. a Fields() call).
  std::vector<FieldDescriptor> fields_;
  Settings settings_;
};

// Shape checks shared by CheckFields and plugins' semantic checks.
bool IsGuid(const std::string& value);
bool IsDomainName(const std::string& value);
bool IsEmailAddress(const std::string& value);
// Parses a whole decimal integer; nullopt when `value` is anything else.
std::optional<long long> ParseInteger(const std::string& value);
// Parses true/false/yes/no/on/off/1/0 (case-insensitive).
std::optional<bool> ParseBoolean(const std::string& value);
// True for "scheme://host[:port][/path]" with a non-empty host.
bool IsUrl(const std::string& value);
// The value's domain part ("contoso.com" of "a@contoso.com"), lower-cased.
std::string EmailDomain(const std::string& address);

// Returns "********" for a non-empty secret, "" for an empty one.
std::string MaskSecret(const std::string& value);

}  // namespace notify::sdk
