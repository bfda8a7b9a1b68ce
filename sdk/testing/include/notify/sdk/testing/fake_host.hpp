#pragma once
// A HostContext for tests: keeps every log line so a test can assert on them
// (for example, that no secret was ever logged).
#include <mutex>
#include <string>
#include <vector>

#include "notify/host_api/host_context.hpp"

namespace notify::sdk::testing {

class FakeHostContext : public HostContext {
 public:
  // Thread-safe, as HostContext::Log must be: plugin threads may log at once.
  void Log(LogLevel level, std::string_view text) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back({level, std::string(text)});
  }

  struct Line {
    LogLevel level;
    std::string text;
  };

  std::vector<Line> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

  // Every line joined with '\n', for substring assertions.
  std::string AllText() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& l : lines_) out += l.text + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
};

}  // namespace notify::sdk::testing
