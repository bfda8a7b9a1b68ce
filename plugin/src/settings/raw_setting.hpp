#pragma once
// A setting's value as given, "" when absent: the semantic checks read what
// the administrator typed, not the field's default.
#include <string>

#include "notify/host_api/settings.hpp"

namespace m365 {

inline std::string RawSetting(const notify::Settings& settings, const std::string& key) {
  auto it = settings.find(key);
  return it == settings.end() ? std::string() : it->second;
}

}  // namespace m365
