#pragma once
// Reading a secret for `ruleset save` from standard input instead of the
// command line, where other local users can read it (ps, /proc/<pid>/cmdline).
#include <string>

#include "notify/sdk/status.hpp"

namespace notify_host {

// Reads one line from standard input: at most 64 KiB, the line end (LF or
// CR LF) removed. When standard input is a terminal, echo is turned off
// (what was typed before is discarded), then `prompt` is written to standard
// error; echo comes back on every path out: a line, end of input, an error,
// and a signal that ends or stops the process (INT, TERM, HUP, QUIT, TSTP:
// echo is restored, then the signal takes its default action; after a stop,
// echo is turned off again until the line is read). Error when the line is
// empty, input ends before anything was typed, or the line is too long.
notify::sdk::StatusOr<std::string> ReadSecretFromStdin(const std::string& prompt);

// True when standard input is a terminal.
bool StdinIsTerminal();

}  // namespace notify_host
