#pragma once
// Waiting for a state instead of sleeping for a guess: a test polls the state
// it needs, so it goes on as soon as the state holds on a fast machine and
// still holds on a loaded one, up to a deadline that only a hang reaches.
#include <chrono>
#include <thread>

namespace notify::test_support {

// Calls `done` on the calling thread, pausing `poll` between calls, until it
// returns true (then returns true at once) or `deadline` has passed (then
// returns false, after one last call made once the deadline had passed).
template <class F>
bool WaitUntil(F done, std::chrono::milliseconds deadline,
               std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    const bool last = std::chrono::steady_clock::now() >= end;
    if (done()) return true;
    if (last) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace notify::test_support
