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

TEST(PacingTest, MaxTotalIsTheLongestTheNextPausesCanAddUpTo) {
  // 1 s, 2 s, 4 s, each with up to 20 % of jitter.
  EXPECT_EQ(Backoff::MaxTotal(3, milliseconds(30000)), milliseconds(8400));
  EXPECT_EQ(Backoff::MaxTotal(0, milliseconds(30000)), milliseconds(0));
  // Capped: 1 s, 2 s, then 3 s.
  EXPECT_EQ(Backoff::MaxTotal(3, milliseconds(3000)), milliseconds(1200 + 2400 + 3600));
  for (int round = 0; round < 20; ++round) {
    Backoff backoff(milliseconds(5000));
    milliseconds total{0};
    for (int i = 0; i < 4; ++i) total += backoff.Next();
    EXPECT_LE(total, Backoff::MaxTotal(4, milliseconds(5000)));
  }
}

}  // namespace
}  // namespace m365
