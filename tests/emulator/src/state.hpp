// State shared by the token endpoint, the SMTP server and the Graph endpoint
// of one Emulator: config, faults, counters, received messages, per-mailbox
// limits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "m365emu/emulator.hpp"
#include "token_service.hpp"

namespace m365emu::detail {

class State {
 public:
  State(Config config, std::string spool_dir);

  std::shared_ptr<const Config> config() const;
  void SetConfig(Config config);
  Faults faults() const;
  void SetFaults(const Faults& faults);
  // Returns the faults with the token-endpoint part cleared when the
  // token_fault_count budget is used up; consumes one unit of the budget
  // when a token fault applies.
  Faults TakeTokenFaults();
  // The same for the Graph part (graph_fault_count).
  Faults TakeGraphFaults();
  // Holds a Graph request up to `ms`. Returns early when SetFaults() clears
  // graph_delay_ms (a test releasing held requests); false when stopping.
  bool HoldGraphRequest(int ms);

  template <typename F>
  void UpdateStats(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    f(stats_);
  }
  Stats stats() const;
  void ResetCounters();
  void RecordReply(const std::string& first_line);
  void RecordAuthFailure(const std::string& reason);

  // Writes the spool files, fills spool_file, appends to received().
  void AddMessage(ReceivedMessage message);
  std::vector<ReceivedMessage> received() const;
  bool WaitForMessages(std::size_t count, std::chrono::milliseconds timeout) const;

  // Concurrent authenticated sessions per mailbox (Exchange counts at AUTH).
  bool AcquireMailboxSlot(const std::string& mailbox, int limit);
  void ReleaseMailboxSlot(const std::string& mailbox);
  // Graph requests in flight per app and mailbox (key = client id + mailbox);
  // counts graph_in_flight and its per-mailbox peak in Stats.
  bool AcquireGraphSlot(const std::string& key, int limit);
  void ReleaseGraphSlot(const std::string& key);
  void RecordGraphResult(int http_status, const std::string& error_code);
  // Blocks until the per-minute rate allows one more message for `mailbox`
  // and records it. Returns false if the emulator is stopping. *delayed is
  // set when it had to wait.
  bool WaitForRateSlot(const std::string& mailbox, const Limits& limits, bool* delayed);
  // Adds `count` recipients to the mailbox's rolling 24 h total; false (and
  // nothing added) if that would exceed `limit`.
  bool AddDailyRecipients(const std::string& mailbox, int count, int limit);

  // Sleeps up to `ms`; returns false early when Stop() began.
  bool SleepFor(int ms);
  void BeginStop();
  bool stopping() const;

  TokenService& signer() { return *signer_; }
  const TokenService& signer() const { return *signer_; }
  // A second key that the SMTP side does not trust (created on first use).
  const TokenService& foreign_signer();
  const std::string& spool_dir() const { return spool_dir_; }

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::shared_ptr<const Config> config_;
  Faults faults_;
  Stats stats_;
  std::vector<ReceivedMessage> received_;
  std::uint64_t spool_seq_ = 0;
  std::map<std::string, int> mailbox_sessions_;
  std::map<std::string, int> graph_slots_;
  std::map<std::string, std::deque<Clock::time_point>> rate_windows_;
  std::map<std::string, std::deque<std::pair<Clock::time_point, int>>> daily_recipients_;
  bool stopping_ = false;
  std::string spool_dir_;
  std::unique_ptr<TokenService> signer_;
  std::unique_ptr<TokenService> foreign_signer_;
};

}  // namespace m365emu::detail
