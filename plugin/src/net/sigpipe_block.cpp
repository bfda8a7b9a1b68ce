#include "net/sigpipe_block.hpp"

#include <pthread.h>
#include <time.h>

namespace m365 {

namespace {
// Blocks alive on this thread that took effect (0 or 1: nested ones do not).
thread_local int sigpipe_blocks = 0;
}  // namespace

ScopedSigpipeBlock::ScopedSigpipeBlock() {
  if (sigpipe_blocks > 0) return;  // an outer block on this thread already covers us
  sigemptyset(&pipe_);
  sigaddset(&pipe_, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  if (blocked_) ++sigpipe_blocks;
}

ScopedSigpipeBlock::~ScopedSigpipeBlock() {
  if (!blocked_) return;
  --sigpipe_blocks;
  if (!was_pending_) {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace m365
