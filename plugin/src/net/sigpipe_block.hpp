#pragma once
// A guard against SIGPIPE on writes to a peer that closed the connection.
#include <signal.h>

namespace m365 {

// Blocks SIGPIPE for the current thread while alive and consumes a SIGPIPE
// raised meanwhile, then restores the thread's previous mask, without
// touching the process's signal dispositions (libpq's pq_block_sigpipe
// approach): OpenSSL writes with write(2), which raises SIGPIPE on a peer that
// closed, and that would end the host. Nested blocks on one thread cost no
// system call: only the outermost blocks, consumes and restores, so a
// sending thread takes one around all its work and each socket call keeps its
// own (then free) guard.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock();
  ~ScopedSigpipeBlock();
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
  bool blocked_ = false;  // this block is the thread's outermost one and took effect
};

}  // namespace m365
