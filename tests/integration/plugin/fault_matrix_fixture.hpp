#pragma once
// The fault matrix's fixture: the emulator of DeliveryTest, the shortest
// timeout the form allows (5 s), a DeliveryLedger that every Deliver call
// feeds, the recovery check run after each fault is lifted, and a clock for
// the senders that records their pauses instead of spending them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "channel/m365_channel.hpp"
#include "common/clock.hpp"
#include "delivery_fixture.hpp"
#include "delivery_invariants.hpp"

namespace m365::testing {

using WallClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The smallest timeout the settings accept; every network step ends within it.
inline constexpr int kTimeoutS = 5;
inline constexpr milliseconds kTimeout{kTimeoutS * 1000};
// How much later than its timeout a network step may end in these tests. The
// plugin keeps to timeout + 1 s; a loaded machine under sanitizers can add
// seconds to that, and the bounds here are only there to show that nothing
// hangs, so they leave that room.
inline constexpr milliseconds kSlack{10000};

inline milliseconds Since(WallClock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(WallClock::now() - start);
}

// The senders' clock: a ManualClock, so pauses between connection attempts
// are recorded (pauses()) and cost no time, and a test can have something
// happen at a pause, where a real sender would be waiting for the server.
class PacingClock : public ManualClock {
 public:
  // Runs `action` on the pausing thread at the start of pause number `n`
  // (counted from 1), once.
  void AtPause(std::size_t n, std::function<void()> action) {
    std::lock_guard<std::mutex> lock(mutex_);
    at_ = n;
    action_ = std::move(action);
  }

  bool Pause(milliseconds duration, StopSignal& stop) override {
    std::function<void()> action;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (++count_ == at_) action = std::move(action_);
    }
    if (action) action();
    return ManualClock::Pause(duration, stop);
  }

 private:
  std::mutex mutex_;
  std::size_t count_ = 0;
  std::size_t at_ = 0;
  std::function<void()> action_;
};

class FaultMatrixTest : public DeliveryTest {
 protected:
  void SetUp() override { StartEmulator(m365emu::DemoConfig()); }

  // A working configuration with the 5 s timeout and 10 messages per
  // connection, on the SMTP route set (no token is requested to decide it;
  // the Graph route's tests set their own, graph_fixture.hpp).
  notify::Settings FaultSettings() const {
    notify::Settings s = Settings("small");
    s["timeout"] = std::to_string(kTimeoutS);
    s["transport"] = "smtp";
    return s;
  }

  // Opens a sender for `settings` (FaultSettings() when empty), delivers
  // `batch`, records it in the ledger (invariant 1) and returns the results.
  std::vector<notify::DeliveryResult> Deliver(const std::vector<notify::Message>& batch,
                                              notify::Settings settings = {}) {
    if (settings.empty()) settings = FaultSettings();
    M365Channel channel(host_, clock_);
    notify::OpenResult opened = channel.Open(settings);
    EXPECT_NE(opened.sender, nullptr);
    if (opened.sender == nullptr) return {};
    std::vector<notify::DeliveryResult> results = opened.sender->Deliver(batch);
    ledger_.Record(batch, results);
    return results;
  }

  // Delivers `batch` with a sender the test keeps, recording it in the ledger.
  std::vector<notify::DeliveryResult> DeliverWith(notify::Sender& sender,
                                                  const std::vector<notify::Message>& batch) {
    std::vector<notify::DeliveryResult> results = sender.Deliver(batch);
    ledger_.Record(batch, results);
    return results;
  }

  // Expects every result of `results` to have `status` (and `detail_part` in its detail).
  static void ExpectAll(const std::vector<notify::DeliveryResult>& results,
                        notify::DeliveryStatus status, const std::string& detail_part = "") {
    for (const auto& r : results) {
      EXPECT_EQ(r.status, status) << r.id << ": " << r.detail;
      if (!detail_part.empty()) {
        EXPECT_NE(r.detail.find(detail_part), std::string::npos) << r.id << ": " << r.detail;
      }
    }
  }

  // Lifts every fault, retries what the host was told to retry, sends a
  // fresh batch, and checks invariants 2-4: nothing lost, nothing doubled.
  void LiftAndExpectRecovery(notify::Settings settings = {}) {
    emulator_->SetFaults({});
    std::vector<notify::Message> pending = ledger_.Pending();
    if (!pending.empty()) {
      auto retried = Deliver(pending, settings);
      ExpectAll(retried, notify::DeliveryStatus::kDelivered);
    }
    auto fresh = Deliver(DeliveryLedger::Batch("after", 3), settings);
    ExpectAll(fresh, notify::DeliveryStatus::kDelivered);
    ledger_.ExpectSpoolConsistent(*emulator_);
    EXPECT_EQ(ledger_.Undelivered(), 0) << "messages lost";
  }

  // Lifts every fault at the sender's first pause between connection
  // attempts: the server recovers while the sender waits to try again.
  void LiftFaultsAtFirstPause() {
    clock_.AtPause(1, [this] { emulator_->SetFaults({}); });
  }

  // Expects `count` pauses of the back-off: 1 s, 2 s, 4 s ..., at most the
  // timeout, each with up to 20 % of jitter.
  void ExpectBackoffPauses(std::size_t count) const {
    std::vector<milliseconds> pauses = clock_.pauses();
    ASSERT_EQ(pauses.size(), count);
    milliseconds base{1000};
    for (milliseconds pause : pauses) {
      EXPECT_GE(pause, base);
      EXPECT_LE(pause, base + base / 5);
      base = std::min(2 * base, kTimeout);
    }
  }

  PacingClock clock_;  // outlives every sender of the test
  DeliveryLedger ledger_;
};

}  // namespace m365::testing
