#pragma once
// Running a real program from a test, as an administrator or a script would:
// arguments quoted for the shell, a time limit, stdout and stderr captured.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace notify::test_support {

// `s` as one single-quoted shell word.
inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The whole file, or "" when it cannot be read.
inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CommandRun {
  int rc = -1;  // exit code; -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs `program args...` under `timeout` (killed after `limit_s` seconds, rc
// 124), capturing its output through two files in `scratch_dir`.
inline CommandRun RunCommand(const std::string& program, const std::vector<std::string>& args,
                             const std::filesystem::path& scratch_dir, int limit_s = 60) {
  std::string cmd = "timeout " + std::to_string(limit_s) + " " + ShellQuote(program);
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  const auto out = scratch_dir / "command.stdout";
  const auto err = scratch_dir / "command.stderr";
  cmd += " >" + ShellQuote(out.string()) + " 2>" + ShellQuote(err.string()) + " </dev/null";
  int status = std::system(cmd.c_str());
  CommandRun run;
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadWholeFile(out);
  run.err = ReadWholeFile(err);
  return run;
}

}  // namespace notify::test_support
