#pragma once
// What the host offers a plugin. docs/host-api.md describes the whole
// contract.
#include <string_view>

namespace notify {

// The level of a log line; a host may drop lines below its configured level.
enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError };

// Ownership and lifetime: the host owns the context and passes it to the
// plugin's factory. It outlives the channel, every sender the channel makes,
// and every thread the plugin starts (a host keeps it for the life of the
// process, as it keeps the plugin library).
class HostContext {
 public:
  virtual ~HostContext() = default;

  // Writes `text` as one line of the host's log, at `level`.
  // Thread-safe: callable from any thread, including threads the plugin
  // started itself, and concurrently; concurrent lines are never interleaved.
  // Blocks only as long as the host's log takes to accept a line. `text` is
  // copied before Log returns. Never
  // throws; a line that cannot be written is dropped. Plugins never pass
  // secrets here.
  virtual void Log(LogLevel level, std::string_view text) noexcept = 0;
};

}  // namespace notify
