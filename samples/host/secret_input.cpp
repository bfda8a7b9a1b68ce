#include "secret_input.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace notify_host {
namespace {

constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

// The terminal's settings before echo was turned off, for the signal handler.
termios saved_terminal;
volatile sig_atomic_t echo_is_off = 0;

void EchoOff() {
  termios quiet = saved_terminal;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
}

// Restores echo, then lets `signal` do what it would have done. Only
// async-signal-safe calls.
void RestoreEchoAndResignal(int signal) {
  int saved_errno = errno;
  if (echo_is_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  struct sigaction previous {};
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  ::sigaction(signal, &fallback, &previous);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal);
  ::sigprocmask(SIG_UNBLOCK, &just_this, nullptr);
  ::raise(signal);  // ends the process, or stops it (TSTP) until SIGCONT
  ::sigaction(signal, &previous, nullptr);
  if (echo_is_off) EchoOff();  // continued after a stop: still reading the secret
  errno = saved_errno;
}

// Echo off on standard input for the life of this object, with the
// handlers above in place; everything restored when it goes.
class NoEcho {
 public:
  NoEcho() {
    if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0) return;
    struct sigaction handler {};
    handler.sa_handler = RestoreEchoAndResignal;
    sigemptyset(&handler.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i)
      ::sigaction(kSignals[i], &handler, &previous_[i]);
    echo_is_off = 1;
    EchoOff();
    active_ = true;
  }
  ~NoEcho() {
    if (!active_) return;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);  // keeps what is typed next
    echo_is_off = 0;
    for (std::size_t i = 0; i < std::size(kSignals); ++i)
      ::sigaction(kSignals[i], &previous_[i], nullptr);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  bool active_ = false;
  struct sigaction previous_[std::size(kSignals)]{};
};

// Reads up to a newline or the end of input; false on a read error.
bool ReadLine(std::string* line, bool* too_long, bool* ended) {
  char c = 0;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      *ended = true;
      return true;
    }
    if (c == '\n') return true;
    if (line->size() >= kMaxSecretBytes) {
      *too_long = true;
      continue;  // read the rest of the line, keep nothing more
    }
    line->push_back(c);
  }
}

// Writes `text` to stderr; a prompt that cannot be shown is no reason to stop.
void ToStderr(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

bool StdinIsTerminal() { return ::isatty(STDIN_FILENO) == 1; }

notify::sdk::StatusOr<std::string> ReadSecretFromStdin(const std::string& prompt) {
  std::string line;
  bool too_long = false;
  bool ended = false;
  bool read = false;
  int read_errno = 0;
  if (StdinIsTerminal()) {
    {
      // Echo goes off before the prompt shows, so nothing typed after the
      // prompt is ever echoed; what was typed before it is discarded.
      NoEcho no_echo;
      ToStderr(prompt);
      read = ReadLine(&line, &too_long, &ended);
      read_errno = errno;
    }
    ToStderr("\n");  // the Enter that was not echoed
  } else {
    read = ReadLine(&line, &too_long, &ended);
    read_errno = errno;
  }
  if (!read) {
    return notify::sdk::Status::Error(std::string("cannot read the secret from standard input: ") +
                                      std::strerror(read_errno));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (too_long) {
    return notify::sdk::Status::Error("the secret on standard input is longer than " +
                                      std::to_string(kMaxSecretBytes) + " bytes");
  }
  if (line.empty()) {
    return notify::sdk::Status::Error(
        ended ? "no secret on standard input (it ended before a line was read)"
              : "the secret on standard input is an empty line",
        "Give the secret as the first line of standard input.");
  }
  return line;
}

}  // namespace notify_host
