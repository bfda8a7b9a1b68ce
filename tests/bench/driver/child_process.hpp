#pragma once
// Runs one program to completion within a deadline and measures it the way
// the benchmarks report clients: wall time, user + system CPU and peak RSS
// from wait4 (the child and the children it waited for).
#include <chrono>
#include <string>
#include <vector>

namespace notify_bench {

// What to run. The program is looked up in PATH when it has no '/'.
struct ChildSpec {
  std::vector<std::string> argv;
  std::string stdin_file;   // "" -> /dev/null
  std::string stdout_file;  // "" -> /dev/null
  std::string stderr_file;  // "" -> /dev/null
  std::chrono::milliseconds timeout{60000};
};

// How it ended and what it used.
struct ChildResult {
  bool started = false;    // false: the program could not be run (see error)
  bool timed_out = false;  // killed with SIGKILL at the deadline
  int exit_code = -1;      // -1 unless it exited normally
  int signal = 0;          // the signal that ended it, 0 when none
  double wall_ms = 0;
  double cpu_ms = 0;    // user + system
  long max_rss_kb = 0;  // ru_maxrss
  std::string error;

  bool ok() const { return started && !timed_out && exit_code == 0; }
};

// Starts `spec` with posix_spawn in a new process group, waits for it
// (killing the group at the deadline) and reaps it. Never throws.
ChildResult RunChild(const ChildSpec& spec);

// From now on, RunChild starts programs through notify-bench-launch
// (`launcher`), which measures them from a small process and writes its
// figures to `result_file`; see launcher/launch_main.cpp for why. Call
// before any RunChild, from one thread.
void UseLauncher(const std::string& launcher, const std::string& result_file);

// Reads a whole file, "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);

// Writes `text` to `path` with the given mode (0600 for anything holding a
// secret or token). Throws std::runtime_error on failure.
void WriteFileWithMode(const std::string& path, const std::string& text, unsigned mode);

}  // namespace notify_bench
