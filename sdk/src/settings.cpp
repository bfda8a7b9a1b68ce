#include "notify/sdk/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <utility>

namespace notify::sdk {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A DNS label: letters, digits, hyphens; not starting or ending with a hyphen.
bool IsLabel(const std::string& label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
}

// The first control character in `value` named for a person, or "" when none.
std::string ControlCharacterIn(const std::string& value) {
  for (unsigned char c : value) {
    if (c == '\r') return "a carriage return (CR)";
    if (c == '\n') return "a line feed (LF)";
    if (c == '\0') return "a NUL byte";
    if (c < 0x20 && c != '\t') return "a control character";
    if (c == 0x7f) return "a DEL character";
  }
  return "";
}

std::string JoinKeys(const std::vector<FieldDescriptor>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.key;
  }
  return out;
}

std::string JoinChoices(const std::vector<std::string>& choices) {
  std::string out;
  for (const auto& c : choices) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

void Add(std::vector<FieldIssue>& issues, const FieldDescriptor& f, std::string message,
         std::string remedy) {
  issues.push_back(
      {f.key, Severity::kError, f.label + ": " + std::move(message), std::move(remedy)});
}

// Checks one present, non-empty value against its field's type rules.
void CheckTyped(const FieldDescriptor& f, const std::string& v, std::vector<FieldIssue>& issues) {
  switch (f.type) {
    case FieldType::kInteger: {
      auto n = ParseInteger(v);
      if (!n) {
        Add(issues, f, "'" + v + "' is not a whole number",
            "Enter digits only, e.g. " +
                (f.default_value.empty() ? std::string("10") : f.default_value) + ".");
      } else if ((f.min && *n < *f.min) || (f.max && *n > *f.max)) {
        Add(issues, f, v + " is out of range",
            "Enter a number from " + std::to_string(f.min.value_or(LLONG_MIN)) + " to " +
                std::to_string(f.max.value_or(LLONG_MAX)) + ".");
      }
      break;
    }
    case FieldType::kChoice:
      if (std::find(f.choices.begin(), f.choices.end(), v) == f.choices.end()) {
        Add(issues, f, "'" + v + "' is not one of the choices",
            "Choose one of: " + JoinChoices(f.choices) + ".");
      }
      break;
    case FieldType::kEmail:
      if (!IsEmailAddress(v)) {
        Add(issues, f, "'" + v + "' is not an e-mail address",
            "Enter a single address such as notifications@contoso.com, without a display name.");
      }
      break;
    case FieldType::kGuid:
      if (!IsGuid(v)) {
        Add(issues, f, "is not a GUID",
            "Enter a GUID of the form 00000000-0000-0000-0000-000000000000.");
      }
      break;
    case FieldType::kGuidOrDomain:
      if (!IsGuid(v) && !IsDomainName(v)) {
        Add(issues, f, "'" + v + "' is neither a GUID nor a domain name",
            "Enter a GUID (00000000-0000-0000-0000-000000000000) or a domain such as "
            "contoso.onmicrosoft.com.");
      }
      break;
    case FieldType::kUrl:
      if (!IsUrl(v)) {
        Add(issues, f, "'" + v + "' is not a URL", "Enter a URL such as https://host.example.");
      }
      break;
    case FieldType::kBoolean:
      if (!ParseBoolean(v)) {
        Add(issues, f, "'" + v + "' is not true or false", "Enter true or false.");
      }
      break;
    case FieldType::kText:
    case FieldType::kSecret:
    case FieldType::kPath:
      break;
  }
}

}  // namespace

bool IsGuid(const std::string& v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !IsHex(v[i])) return false;
  }
  return true;
}

bool IsDomainName(const std::string& v) {
  if (v.empty() || v.size() > 253 || v.find('.') == std::string::npos) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = v.find('.', start);
    std::string label = v.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!IsLabel(label)) return false;
    if (dot == std::string::npos) {
      // The top-level label is not all digits, so an IPv4 address is no domain.
      return !std::all_of(label.begin(), label.end(),
                          [](unsigned char c) { return std::isdigit(c) != 0; });
    }
    start = dot + 1;
  }
}

bool IsEmailAddress(const std::string& v) {
  auto at = v.rfind('@');
  if (at == std::string::npos || at == 0 || at > 64) return false;
  std::string local = v.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
    return false;
  static const std::string kAllowed = "!#$%&'*+-/=?^_`{|}~.";
  for (unsigned char c : local) {
    if (std::isalnum(c) == 0 && kAllowed.find(static_cast<char>(c)) == std::string::npos)
      return false;
  }
  return IsDomainName(v.substr(at + 1));
}

std::optional<long long> ParseInteger(const std::string& v) {
  if (v.empty() || v.size() > 18) return std::nullopt;
  std::size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  if (i == v.size()) return std::nullopt;
  for (std::size_t j = i; j < v.size(); ++j) {
    if (std::isdigit(static_cast<unsigned char>(v[j])) == 0) return std::nullopt;
  }
  return std::strtoll(v.c_str(), nullptr, 10);
}

std::optional<bool> ParseBoolean(const std::string& value) {
  std::string v = Lower(value);
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return std::nullopt;
}

bool IsUrl(const std::string& v) {
  auto sep = v.find("://");
  if (sep == std::string::npos || sep == 0) return false;
  for (std::size_t i = 0; i < sep; ++i) {
    if (std::isalpha(static_cast<unsigned char>(v[i])) == 0) return false;
  }
  std::string rest = v.substr(sep + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find_first_of(" @") != std::string::npos) return false;
  auto colon = authority.rfind(':');
  if (colon != std::string::npos) {
    auto port = ParseInteger(authority.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535) return false;
    authority = authority.substr(0, colon);
  }
  return !authority.empty();
}

std::string EmailDomain(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string() : Lower(address.substr(at + 1));
}

std::string MaskSecret(const std::string& value) { return value.empty() ? "" : "********"; }

std::vector<FieldIssue> CheckFields(const std::vector<FieldDescriptor>& fields,
                                    const Settings& settings) {
  std::vector<FieldIssue> issues;
  for (const auto& entry : settings) {
    const std::string& key = entry.first;
    bool known = std::any_of(fields.begin(), fields.end(),
                             [&](const FieldDescriptor& f) { return f.key == key; });
    if (!known) {
      // An issue always names a field, even when the key itself is empty.
      std::string name = key.empty() ? "(empty key)" : key;
      issues.push_back({name, Severity::kError, "'" + name + "' is not a setting of this channel",
                        "Remove it. Known settings: " + JoinKeys(fields) + "."});
    }
  }
  for (const auto& f : fields) {
    auto it = settings.find(f.key);
    bool empty = it == settings.end() || it->second.empty();
    if (empty) {
      if (f.required) {
        Add(issues, f, "is required", f.help.empty() ? "Enter a value." : f.help);
      }
      continue;
    }
    const std::string& v = it->second;
    if (v.size() > f.max_length) {
      Add(issues, f, "is " + std::to_string(v.size()) + " characters long",
          "Enter at most " + std::to_string(f.max_length) + " characters.");
      continue;
    }
    std::string control = ControlCharacterIn(v);
    if (!control.empty()) {
      // Named without echoing the value: it may be a secret.
      Add(issues, f, "contains " + control,
          "Enter the value on one line, without control characters.");
      continue;
    }
    if (f.type != FieldType::kSecret && (std::isspace(static_cast<unsigned char>(v.front())) ||
                                         std::isspace(static_cast<unsigned char>(v.back())))) {
      Add(issues, f, "starts or ends with white space", "Remove the leading or trailing spaces.");
      continue;
    }
    CheckTyped(f, v, issues);
  }
  return issues;
}

bool HasError(const std::vector<FieldIssue>& issues) {
  return std::any_of(issues.begin(), issues.end(),
                     [](const FieldIssue& i) { return i.severity == Severity::kError; });
}

bool HasErrorFor(const std::vector<FieldIssue>& issues, const std::string& field) {
  return std::any_of(issues.begin(), issues.end(), [&](const FieldIssue& i) {
    return i.severity == Severity::kError && i.field == field;
  });
}

SettingsView::SettingsView(std::vector<FieldDescriptor> fields, Settings settings)
    : fields_(std::move(fields)), settings_(std::move(settings)) {}

const FieldDescriptor* SettingsView::Find(const std::string& key) const {
  for (const auto& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string SettingsView::Get(const std::string& key) const {
  auto it = settings_.find(key);
  if (it != settings_.end() && !it->second.empty()) return it->second;
  const FieldDescriptor* f = Find(key);
  return f ? f->default_value : std::string();
}

long long SettingsView::GetInt(const std::string& key) const {
  if (auto n = ParseInteger(Get(key))) return *n;
  const FieldDescriptor* f = Find(key);
  return f ? ParseInteger(f->default_value).value_or(0) : 0;
}

bool SettingsView::GetBool(const std::string& key) const {
  return ParseBoolean(Get(key)).value_or(false);
}

bool SettingsView::Has(const std::string& key) const {
  auto it = settings_.find(key);
  return it != settings_.end() && !it->second.empty();
}

}  // namespace notify::sdk
