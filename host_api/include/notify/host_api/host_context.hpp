#pragma once
#include <string_view>

namespace notify {

enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError };

// What the host offers a plugin. Owned by the host; outlives every channel.
class HostContext {
 public:
  virtual ~HostContext() = default;
  // Writes one line to the host's log. Plugins never pass secrets here.
  virtual void Log(LogLevel level, std::string_view text) noexcept = 0;
};

}  // namespace notify
