// notify-bench-client: runs one plugin workload in its own process for
// notify-bench (which measures the process) and prints one JSON line.
//   notify-bench-client deliver --settings F --messages N [--threads T] [--per-call C]
//   notify-bench-client latency --settings F --samples S
//   notify-bench-client save    --settings F --samples S
//   notify-bench-client mailboxes --settings F --mailboxes M --seconds S
//                                 --per-window R --window-ms W --threads T
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>

#include "client_support.hpp"
#include "client_workloads.hpp"

namespace {

int Usage() {
  std::cerr << "usage: notify-bench-client deliver|latency|save|mailboxes --settings FILE "
               "[--messages N] [--threads T] [--per-call C] [--samples S]\n";
  return 2;
}

int IntOption(const std::map<std::string, std::string>& options, const std::string& name,
              int fallback) {
  auto it = options.find(name);
  return it == options.end() ? fallback : std::stoi(it->second);
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a server closing mid-write is an error value, not a signal
  if (argc < 2) return Usage();
  std::string mode = argv[1];
  std::map<std::string, std::string> options;
  for (int i = 2; i + 1 < argc; i += 2) options[argv[i]] = argv[i + 1];
  if (options.count("--settings") == 0) return Usage();
  try {
    notify::Settings settings = notify_bench::ReadSettingsFile(options["--settings"]);
    if (mode == "deliver") {
      return notify_bench::RunDeliver(settings, IntOption(options, "--messages", 100),
                                      IntOption(options, "--threads", 1),
                                      IntOption(options, "--per-call", 0));
    }
    if (mode == "latency") {
      return notify_bench::RunLatency(settings, IntOption(options, "--samples", 20));
    }
    if (mode == "save") return notify_bench::RunSave(settings, IntOption(options, "--samples", 5));
    if (mode == "mailboxes") {
      return notify_bench::RunMailboxes(
          settings, IntOption(options, "--mailboxes", 1000), IntOption(options, "--seconds", 60),
          IntOption(options, "--per-window", 5), IntOption(options, "--window-ms", 10000),
          IntOption(options, "--threads", 16));
    }
  } catch (const std::exception& e) {
    std::cerr << "notify-bench-client: " << e.what() << "\n";
    return 1;
  }
  return Usage();
}
