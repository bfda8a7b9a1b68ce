#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace notify_bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string launcher_program;
std::string launcher_result_file;

// Reads the launcher's line into `result`; false when there is none.
bool ReadLauncherResult(ChildResult& result) {
  std::istringstream line(ReadWholeFile(launcher_result_file));
  ChildResult r;
  if (!(line >> r.exit_code >> r.signal >> r.wall_ms >> r.cpu_ms >> r.max_rss_kb)) return false;
  result.exit_code = r.exit_code;
  result.signal = r.signal;
  result.wall_ms = r.wall_ms;
  result.cpu_ms = r.cpu_ms;
  result.max_rss_kb = r.max_rss_kb;
  return true;
}

// Kills the child with SIGKILL if it is still running at the deadline. The
// child is only marked done after waitid(WNOWAIT) saw it exit and before it
// is reaped, so the kill can never hit a reused pid.
class Watchdog {
 public:
  Watchdog(pid_t pid, Clock::time_point deadline)
      : thread_([this, pid, deadline] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!done_cv_.wait_until(lock, deadline, [this] { return done_; })) {
            fired_ = true;
            kill(-pid, SIGKILL);  // the group: the launcher and what it started
          }
        }) {}
  ~Watchdog() { thread_.join(); }
  // The child has exited (not yet reaped); returns whether the watchdog fired.
  bool Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    done_cv_.notify_all();
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

ChildResult RunChild(const ChildSpec& spec) {
  ChildResult result;
  if (spec.argv.empty()) {
    result.error = "nothing to run";
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  auto open_or_null = [](const std::string& path) { return path.empty() ? "/dev/null" : path; };
  std::string in = open_or_null(spec.stdin_file), out = open_or_null(spec.stdout_file),
              err = open_or_null(spec.stderr_file);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> full = spec.argv;
  if (!launcher_program.empty()) {
    full.insert(full.begin(), {launcher_program, launcher_result_file});
    unlink(launcher_result_file.c_str());
  }
  std::vector<char*> argv;
  for (const auto& a : full) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  auto start = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    result.error = spec.argv[0] + ": " + std::strerror(rc);
    return result;
  }
  result.started = true;
  {
    Watchdog watchdog(pid, start + spec.timeout);
    siginfo_t info{};
    while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    result.timed_out = watchdog.Finish();
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  result.cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  bool measured = !launcher_program.empty() && !result.timed_out && ReadLauncherResult(result);
  if (result.exit_code == 127 && (launcher_program.empty() || !measured)) {
    result.started = false;
    result.error = spec.argv[0] + ": could not be run";
  }
  return result;
}

void UseLauncher(const std::string& launcher, const std::string& result_file) {
  launcher_program = launcher;
  launcher_result_file = result_file;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFileWithMode(const std::string& path, const std::string& text, unsigned mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  fchmod(fd, mode);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
}

}  // namespace notify_bench
