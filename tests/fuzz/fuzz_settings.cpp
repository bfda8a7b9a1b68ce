// libFuzzer: descriptor-driven settings checks. Input is "key=value" lines.
// Every issue must name a field and carry a remedy; values of secret fields
// must never be echoed back.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "notify/sdk/settings.hpp"

namespace {

std::vector<notify::FieldDescriptor> Form() {
  using notify::FieldType;
  std::vector<notify::FieldDescriptor> f = {{"name", "Name", FieldType::kText, true},
                                            {"port", "Port", FieldType::kInteger},
                                            {"size", "Size", FieldType::kChoice},
                                            {"mail", "Mail", FieldType::kEmail, true},
                                            {"id", "Id", FieldType::kGuid},
                                            {"tenant", "Tenant", FieldType::kGuidOrDomain},
                                            {"url", "Url", FieldType::kUrl},
                                            {"flag", "Flag", FieldType::kBoolean},
                                            {"secret", "Secret", FieldType::kSecret, true}};
  f[1].min = 1;
  f[1].max = 65535;
  f[2].choices = {"small", "medium", "large"};
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto form = Form();
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  notify::Settings settings;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) settings[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto issues = notify::sdk::CheckFields(form, settings);
  auto secret = settings.find("secret");
  for (const auto& i : issues) {
    if (i.field.empty() || i.remedy.empty()) __builtin_trap();
    // The secret's own issue describes it without quoting it. (Other issues
    // may list key names, which a random secret can happen to spell.)
    if (i.field == "secret" && secret != settings.end() && secret->second.size() >= 12 &&
        i.message.find(secret->second) != std::string::npos)
      __builtin_trap();
  }
  notify::sdk::SettingsView view(form, settings);
  (void)view.GetInt("port");
  return 0;
}
