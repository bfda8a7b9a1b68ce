// notify-bench-launch RESULT_FILE PROGRAM [ARGS...]
// Runs PROGRAM (stdin, stdout and stderr inherited) and writes to
// RESULT_FILE one line: "exit_code signal wall_ms cpu_ms max_rss_kb".
// notify-bench starts every client through this small process because a
// child's ru_maxrss also counts the memory of the process that started it
// (the kernel carries the old address space's peak over exec), and
// notify-bench holds the emulator and everything it received. Exit code:
// the program's, 128 + signal when a signal ended it, 127 when it could not
// be started.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: notify-bench-launch RESULT_FILE PROGRAM [ARGS...]\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[2], nullptr, nullptr, argv + 2, environ);
  if (rc != 0) {
    std::fprintf(stderr, "%s: %s\n", argv[2], std::strerror(rc));
    return 127;
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  double wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (std::FILE* out = std::fopen(argv[1], "w")) {
    std::fprintf(out, "%d %d %.3f %.3f %ld\n", exit_code, signal, wall_ms,
                 ms(usage.ru_utime) + ms(usage.ru_stime), usage.ru_maxrss);
    std::fclose(out);
  }
  return signal != 0 ? 128 + signal : exit_code;
}
