// ScopedSigpipeBlock: the guard SmtpSocket puts around each socket call and
// the sender around each worker. Nested guards must cost nothing and the
// outermost one must restore the thread's mask and swallow a SIGPIPE raised
// meanwhile, without touching the process's signal dispositions.
#include "net/sigpipe_block.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <thread>

namespace m365 {
namespace {

bool SigpipeBlocked() {
  sigset_t mask;
  sigemptyset(&mask);
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, SIGPIPE) == 1;
}

bool SigpipePending() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGPIPE) == 1;
}

// Runs `body` on a fresh thread with SIGPIPE unblocked (the test process
// may block it for every thread) and waits for it.
template <class Body>
void OnOwnThread(Body body) {
  std::thread t([&] {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_UNBLOCK, &pipe, nullptr);
    body();
  });
  t.join();
}

TEST(ScopedSigpipeBlock, NestedBlocksRestoreTheMaskOnlyAtTheOutermost) {
  OnOwnThread([] {
    ASSERT_FALSE(SigpipeBlocked());
    {
      ScopedSigpipeBlock outer;
      EXPECT_TRUE(SigpipeBlocked());
      {
        ScopedSigpipeBlock inner;
        EXPECT_TRUE(SigpipeBlocked());
      }
      EXPECT_TRUE(SigpipeBlocked());  // the inner one did not unblock
    }
    EXPECT_FALSE(SigpipeBlocked());
  });
}

TEST(ScopedSigpipeBlock, SigpipeRaisedInsideANestedBlockIsConsumedByTheOutermost) {
  OnOwnThread([] {
    {
      ScopedSigpipeBlock outer;
      {
        ScopedSigpipeBlock inner;
        pthread_kill(pthread_self(), SIGPIPE);
      }
      EXPECT_TRUE(SigpipePending());  // still blocked, so not delivered
    }
    EXPECT_FALSE(SigpipePending());
    EXPECT_FALSE(SigpipeBlocked());
  });
}

TEST(ScopedSigpipeBlock, KeepsACallerWhoBlockedSigpipeItself) {
  OnOwnThread([] {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    { ScopedSigpipeBlock block; }
    EXPECT_TRUE(SigpipeBlocked());
    pthread_sigmask(SIG_UNBLOCK, &pipe, nullptr);
  });
}

TEST(ScopedSigpipeBlock, AThreadsBlockDoesNotCoverAnotherThread) {
  ScopedSigpipeBlock here;
  OnOwnThread([] {
    EXPECT_FALSE(SigpipeBlocked());
    {
      ScopedSigpipeBlock there;  // takes effect: the other thread's does not count
      EXPECT_TRUE(SigpipeBlocked());
    }
    EXPECT_FALSE(SigpipeBlocked());
  });
}

}  // namespace
}  // namespace m365
