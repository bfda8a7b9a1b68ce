// The back-off between connection attempts: doubling, capped, jittered.
#include "delivery/pacing.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace m365 {
namespace {

using std::chrono::milliseconds;

TEST(PacingTest, BackoffDoublesUpToTheCap) {
  Backoff backoff(milliseconds(5000));
  milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                             milliseconds(5000), milliseconds(5000)};
  for (milliseconds base : expected) {
    milliseconds delay = backoff.Next();
    EXPECT_GE(delay, base);
    EXPECT_LE(delay, base + base / 5);  // at most 20 % jitter
  }
  EXPECT_EQ(backoff.attempts(), 5);
  backoff.Reset();
  EXPECT_EQ(backoff.attempts(), 0);
  EXPECT_LE(backoff.Next(), milliseconds(1200));
}

}  // namespace
}  // namespace m365
