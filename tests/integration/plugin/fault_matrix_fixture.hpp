#pragma once
// The fault matrix's fixture: the emulator of DeliveryTest, the shortest
// timeout the form allows (5 s), a DeliveryLedger that every Deliver call
// feeds, and the recovery check run after each fault is lifted.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "delivery_fixture.hpp"
#include "delivery_invariants.hpp"
#include "m365_channel.hpp"

namespace m365::testing {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The smallest timeout the settings accept; every network step ends within it.
inline constexpr int kTimeoutS = 5;
inline constexpr milliseconds kTimeout{kTimeoutS * 1000};
// How much later than its timeout a step may end (design: timeout + 1 s).
inline constexpr milliseconds kSlack{1000};

inline milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

class FaultMatrixTest : public DeliveryTest {
 protected:
  void SetUp() override { StartEmulator(m365emu::DemoConfig()); }

  // DeliveryTest::StartEmulator for parameterised tests too: their names
  // hold a '/', which must not become a directory level of the state dir.
  void StartEmulator(m365emu::Config config) {
    emulator_.reset();
    static std::atomic<int> counter{0};
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = c == '/' ? '_' : c;
    state_dir_ = ::testing::TempDir() + "m365_faults_" + std::to_string(getpid()) + "_" + name +
                 "_" + std::to_string(++counter);
    config.limits.rate_window_ms = 100;
    emulator_ = std::make_unique<m365emu::Emulator>(std::move(config), state_dir_);
  }

  // A working configuration with the 5 s timeout and 10 messages per connection.
  notify::Settings FaultSettings() const {
    notify::Settings s = Settings("small");
    s["timeout"] = std::to_string(kTimeoutS);
    return s;
  }

  // Opens a sender for `settings` (FaultSettings() when empty), delivers
  // `batch`, records it in the ledger (invariant 1) and returns the results.
  std::vector<notify::DeliveryResult> Deliver(const std::vector<notify::Message>& batch,
                                              notify::Settings settings = {}) {
    if (settings.empty()) settings = FaultSettings();
    M365Channel channel(host_);
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

  // Lifts the faults `after` from now, on another thread (joined in TearDown).
  void LiftFaultsAfter(milliseconds after) {
    lifter_ = std::thread([this, after] {
      std::this_thread::sleep_for(after);
      emulator_->SetFaults({});
    });
  }

  void TearDown() override {
    if (lifter_.joinable()) lifter_.join();
    DeliveryTest::TearDown();
  }

  DeliveryLedger ledger_;
  std::thread lifter_;
};

}  // namespace m365::testing
