#pragma once
// The HostContext notify-host gives each plugin: its lines go to the Poco
// logger "notify.plugin.<id>", configured by the logging.* properties.
#include <Poco/Logger.h>

#include "notify/host_api/host_context.hpp"

namespace notify_host {

class PocoHostContext : public notify::HostContext {
 public:
  explicit PocoHostContext(const std::string& plugin_id)
      : logger_(Poco::Logger::get("notify.plugin." + plugin_id)) {}

  void Log(notify::LogLevel level, std::string_view text) noexcept override {
    try {
      std::string line(text);
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
      // Logging must never take the host down.
    }
  }

 private:
  Poco::Logger& logger_;
};

}  // namespace notify_host
