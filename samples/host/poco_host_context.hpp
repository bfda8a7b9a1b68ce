#pragma once
// The HostContext notify-host gives each plugin: its lines go to the Poco
// logger "notify.plugin.<id>", configured by the logging.* properties, with
// control characters escaped (a line may quote a server: it must not drive
// the terminal or forge a log line; terminal_text.hpp). Slots() gives the
// slot service `notify-host serve` offers once its state is open (OfferSlots).
#include <Poco/Logger.h>

#include <atomic>
#include <mutex>
#include <string>

#include "notify/host_api/host_context.hpp"
#include "terminal_text.hpp"

namespace notify_host {

class PocoHostContext : public notify::HostContext {
 public:
  explicit PocoHostContext(const std::string& plugin_id)
      : logger_(Poco::Logger::get("notify.plugin." + plugin_id)) {}

  // Thread-safe, as the host API promises: a plugin may log from any of its
  // threads at once. Poco's own channels (console, file, ...) lock their
  // writes, but the logging.* properties may configure any channel, so every
  // plugin line is written under one process-wide mutex: lines from several
  // threads and plugins never interleave, whatever the configuration.
  void Log(notify::LogLevel level, std::string_view text) noexcept override {
    try {
      std::string line = ForTerminal(text);
      std::lock_guard<std::mutex> lock(LogMutex());
      switch (level) {
        case notify::LogLevel::kTrace:
          logger_.trace(line);
          break;
        case notify::LogLevel::kDebug:
          logger_.debug(line);
          break;
        case notify::LogLevel::kInfo:
          logger_.information(line);
          break;
        case notify::LogLevel::kWarning:
          logger_.warning(line);
          break;
        case notify::LogLevel::kError:
          logger_.error(line);
          break;
      }
    } catch (...) {
      // Logging must never take the host down; the line is dropped.
    }
  }

  notify::SlotService* Slots() noexcept override { return Offered().load(); }

  // Offers `slots` to every plugin from now on (nullptr: none). `slots` must
  // live as long as the process: plugins ask for it on their own threads.
  static void OfferSlots(notify::SlotService* slots) { Offered().store(slots); }

 private:
  static std::atomic<notify::SlotService*>& Offered() {
    static std::atomic<notify::SlotService*> offered{nullptr};
    return offered;
  }

  // Shared by every context; never destroyed, so that a plugin thread still
  // logging while the process exits finds it intact.
  static std::mutex& LogMutex() {
    static auto* mutex = new std::mutex;
    return *mutex;
  }

  Poco::Logger& logger_;  // owned by Poco's logger registry
};

}  // namespace notify_host
