#pragma once
// What the host offers a plugin. docs/host-api.md describes the whole
// contract.
#include <string_view>

#include "notify/host_api/slot_service.hpp"

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

  // Since 1.4 (appended, docs/host-api.md "Versions"): the host's slot
  // service, or nullptr when this host offers none (then a plugin keeps its
  // limits in its own process). Owned by the host; it outlives every caller,
  // as the context does. A plugin asks each time it needs a slot: a host may
  // offer the service only once its state database is open.
  virtual SlotService* Slots() noexcept { return nullptr; }
};

}  // namespace notify
