#pragma once
// What the client workloads share: the settings file the driver wrote, a
// quiet host context, a clock, and one-line JSON output on stdout.
#include <Poco/JSON/Object.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "notify/host_api/host_context.hpp"
#include "notify/host_api/settings.hpp"

namespace notify_bench {

// Reads the channel settings from a JSON object of strings (the driver writes
// it with mode 0600, since it holds the client secret). Throws
// std::runtime_error naming the file when it cannot be read or parsed.
notify::Settings ReadSettingsFile(const std::string& path);

// A host context that drops informational lines and counts warnings and
// errors; the first problem line is kept for the report (the plugin never
// logs secrets, docs/security.md).
class QuietHost : public notify::HostContext {
 public:
  void Log(notify::LogLevel level, std::string_view text) noexcept override;
  // Warnings and errors logged so far.
  int problems() const { return problems_.load(); }
  // The first warning or error, "" when none.
  std::string first_problem() const;

 private:
  std::atomic<int> problems_{0};
  mutable std::mutex mutex_;
  std::string first_;
};

// Milliseconds since `start`, as a double.
double MillisSince(std::chrono::steady_clock::time_point start);

// A JSON array of numbers.
Poco::JSON::Array::Ptr ToJsonArray(const std::vector<double>& values);

// Writes `result` as one line to stdout; returns 0 (the exit code) when
// `ok`, 1 otherwise.
int PrintResult(Poco::JSON::Object::Ptr result, bool ok);

}  // namespace notify_bench
