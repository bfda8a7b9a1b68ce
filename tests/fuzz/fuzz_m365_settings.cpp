// libFuzzer: the channel's settings checks (CheckM365Settings) on "key=value"
// lines. Every issue names a field and carries a remedy, the secret is never
// quoted in its own issue (checked for secrets with a '~'), and settings
// without errors resolve to a config within the form's ranges with an https
// authority.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "settings/m365_config.hpp"

namespace {

std::string CaFile(const std::string& value) {
  static const std::string text_file = [] {
    std::string path = "/tmp/fuzz_m365_settings_not_pem.txt";
    std::ofstream(path) << "not a certificate\n";
    return path;
  }();
  switch (value.empty() ? 0 : static_cast<unsigned char>(value[0]) % 3) {
    case 0:
      return "";
    case 1:
      return "/nonexistent/fuzz/ca.pem";
    default:
      return text_file;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  notify::Settings settings;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    std::string value = line.substr(eq + 1);
    // ca_file is opened and read: one of a few known files, never a path the
    // fuzzer spells (as root it could name /proc/kmsg, whose read blocks).
    if (key == "ca_file") value = CaFile(value);
    settings[key] = value;
  }
  auto issues = m365::CheckM365Settings(settings);
  bool error = false;
  auto secret = settings.find("client_secret");
  for (const auto& i : issues) {
    if (i.field.empty() || i.message.empty() || i.remedy.empty()) __builtin_trap();
    // A secret with a '~' (as Entra ID's have; no fixed message has one)
    // is never quoted in its own issue.
    if (i.field == "client_secret" && secret != settings.end() &&
        secret->second.find('~') != std::string::npos &&
        i.message.find(secret->second) != std::string::npos)
      __builtin_trap();
    error = error || i.severity == notify::Severity::kError;
  }
  if (error) return 0;
  m365::M365Config c = m365::ResolveConfig(settings);
  if (c.port < 1 || c.port > 65535) __builtin_trap();
  if (c.timeout.count() < 5 || c.timeout.count() > 600) __builtin_trap();
  if (c.batch_size != 10 && c.batch_size != 30 && c.batch_size != 100) __builtin_trap();
  std::string scheme = c.authority_url.substr(0, 8);
  for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (scheme != "https://") __builtin_trap();
  if (c.smtp_host.empty() || c.from_email.empty() || c.client_secret.empty()) __builtin_trap();
  return 0;
}
