#include "process_hardening.hpp"

#include <sys/prctl.h>

namespace notify_host {

CoreDumpState DisableCoreDumps() {
  CoreDumpState state;
  state.saved = ::getrlimit(RLIMIT_CORE, &state.core) == 0;
  rlimit none = state.core;
  none.rlim_cur = 0;  // the hard limit stays, so AllowCoreDumps can raise it again
  if (state.saved) ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return state;
}

void AllowCoreDumps(const CoreDumpState& state) {
  if (state.saved) ::setrlimit(RLIMIT_CORE, &state.core);
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

}  // namespace notify_host
