#pragma once
// Running the real notify-host where the test holds the other end: a pipe on
// stdin the test keeps open, stdout on /dev/full or a closed pipe, a
// pseudo-terminal. notify::test_support::RunCommand covers the plain case
// (stdin from /dev/null, output in files).
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "notify/test_support/wait_until.hpp"

namespace host_test {

// Starts `program args...` with stdin, stdout and stderr duplicated from `in`,
// `out` and `err`. `before_exec` runs in the child after the descriptors are
// in place (async-signal-safe calls only: setrlimit, setuid, ...); no other
// descriptor of the test is passed on. Returns
// the child's pid, or -1 when fork fails.
inline pid_t Spawn(const std::string& program, const std::vector<std::string>& args, int in,
                   int out, int err, const std::function<void()>& before_exec = nullptr) {
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  // Nothing else of the test's: a pipe's write end left open here would keep
  // the child from ever seeing the end of its input.
  ::close_range(3, ~0U, 0);
  ::signal(SIGPIPE, SIG_DFL);  // as a shell would start it
  if (before_exec) before_exec();
  ::execv(program.c_str(), argv.data());
  ::_exit(127);
}

// Waits for `pid` at most `limit`; then kills it. Returns its exit code,
// 128 + the signal when a signal ended it, or -2 when it had to be killed.
inline int WaitFor(pid_t pid, std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  int status = 0;
  bool ended =
      notify::test_support::WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) != 0; }, limit);
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -2;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

// A file of /proc/<pid>, or "" when it cannot be read.
inline std::string ProcFile(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The project's one polling helper, with this file's default deadline.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  return notify::test_support::WaitUntil(done, limit);
}

// notify-host started on a new pseudo-terminal: stdin, stdout and stderr are
// the terminal, as for an administrator at a console.
struct PtyChild {
  pid_t pid = -1;
  int master = -1;
  std::string seen;  // everything read from the terminal so far

  // Reads what the terminal shows until `text` appears, the child closes the
  // terminal, or `limit` passes. True when `text` was seen.
  bool ReadUntil(const std::string& text,
                 std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (text.empty() || seen.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[512];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO: the child closed the terminal
      seen.append(buf, static_cast<std::size_t>(n));
    }
    return !text.empty() && seen.find(text) != std::string::npos;
  }
  // Reads until the child closes the terminal (or `limit` passes).
  void ReadToEnd(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    ReadUntil("", limit);
  }
  // True while the terminal echoes what is typed.
  bool Echoes() const {
    termios t{};
    return ::tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO) != 0;
  }
  void Type(const std::string& keys) const {
    if (::write(master, keys.data(), keys.size()) != static_cast<ssize_t>(keys.size())) return;
  }
};

inline PtyChild SpawnOnPty(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  PtyChild child;
  child.pid = ::forkpty(&child.master, nullptr, nullptr, nullptr);
  if (child.pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return child;
}

}  // namespace host_test
