// The clock that every pause of the plugin goes through: the steady clock
// wakes on Stop(), the manual clock (tests) never blocks.
#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "notify/test_support/wait_until.hpp"

namespace m365 {
namespace {

using std::chrono::milliseconds;

TEST(ClockTest, StopWakesAPauseOnTheSteadyClock) {
  StopSignal stop;
  std::atomic<bool> pausing{false};
  // Stops once the pause is about to begin; should Stop() still come first,
  // the pause must return false at once just the same.
  std::thread stopper([&] {
    notify::test_support::WaitUntil([&] { return pausing.load(); }, milliseconds(30000));
    stop.Stop();
  });
  auto start = std::chrono::steady_clock::now();
  pausing = true;
  EXPECT_FALSE(SteadyClock().Pause(milliseconds(60000), stop));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
  EXPECT_TRUE(stop.stopped());
  EXPECT_TRUE(StopSignal().WaitFor(milliseconds(1)));
}

TEST(ClockTest, ManualClockPausesAtOnceAndMovesOnByThePause) {
  ManualClock clock;
  StopSignal stop;
  Clock::TimePoint start = clock.Now();
  EXPECT_TRUE(clock.Pause(milliseconds(4000), stop));
  EXPECT_TRUE(clock.Pause(milliseconds(1000), stop));
  EXPECT_EQ(clock.Now() - start, milliseconds(5000));
  clock.Advance(milliseconds(250));
  EXPECT_EQ(clock.Now() - start, milliseconds(5250));
  EXPECT_EQ(clock.pauses(), (std::vector<milliseconds>{milliseconds(4000), milliseconds(1000)}));
  stop.Stop();
  EXPECT_FALSE(clock.Pause(milliseconds(1000), stop)) << "a stopped pause returns at once";
  EXPECT_EQ(clock.pauses().size(), 2u);
}

}  // namespace
}  // namespace m365
