#pragma once
// Keeps secrets in notify-host's memory out of core files and away from
// other processes of the same user (docs/security.md, "Secrets in memory").
#include <sys/resource.h>

namespace notify_host {

// What DisableCoreDumps changed, so AllowCoreDumps can put it back.
struct CoreDumpState {
  bool saved = false;
  rlimit core{};  // RLIMIT_CORE before
};

// Sets the soft RLIMIT_CORE to 0 (no core file) and makes the process not
// dumpable (PR_SET_DUMPABLE 0): no core file, and another process of the
// same user can neither ptrace it nor read its memory through /proc.
// Called first thing in main, before any secret is read.
CoreDumpState DisableCoreDumps();

// Undoes DisableCoreDumps, for debugging (`debug.allow_core_dumps = true`).
void AllowCoreDumps(const CoreDumpState& state);

}  // namespace notify_host
