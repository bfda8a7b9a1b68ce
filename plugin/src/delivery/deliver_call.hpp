#pragma once
// What one Deliver call of either route (SMTP in m365_sender, Graph in
// graph_route) shares between its workers: each message's result, the
// call's deadline (docs/delivery.md, How long one Deliver call can take) and
// the give-up of the rest of the batch (docs/delivery.md, Pacing and giving
// up); and how the workers are run. The routes keep their own queue of work
// beside it.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "notify/host_api/delivery.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/host_api/message.hpp"
#include "notify/sdk/status.hpp"

namespace m365 {

// Thread-safe: the workers of one call share it.
class DeliverCall {
 public:
  using LogFn = std::function<void(notify::LogLevel, const std::string&)>;

  // `batch` and `clock` must outlive the call; `log` writes one line of the
  // host's log. Until StartDeadline the deadline counts as passed.
  DeliverCall(const std::vector<notify::Message>& batch, Clock& clock, LogFn log);

  const std::vector<notify::Message>& batch() const { return batch_; }

  // Starts the deadline: `budget` (DeliverDeadline) from now on the clock.
  // Call before any worker starts.
  void StartDeadline(std::chrono::milliseconds budget);
  // The deadline's length in whole seconds (rounded up), for messages.
  std::chrono::seconds deadline_length() const { return deadline_length_; }

  // Records `result` for message `index` unless it has one already; true
  // when it was recorded. A result is final: a give-up or the deadline never
  // replaces it.
  bool Settle(std::size_t index, notify::DeliveryResult result);

  // Gives up the rest of the batch: every message without a result gets
  // `why` (the first reason given wins), every worker stops, and the give-up
  // is logged as an error.
  void GiveUp(const notify::sdk::Status& why);
  // Why the batch was given up; nullopt when it was not.
  std::optional<notify::sdk::Status> given_up() const;

  // True when the deadline has passed or would pass within `ahead`: the
  // caller starts nothing more. Marks the call so that its unsent messages
  // say why; once the deadline has passed, also stops every worker.
  bool PastDeadline(std::chrono::milliseconds ahead = std::chrono::milliseconds(0));

  // The reason of the last attempt that brought nothing, added to the
  // deadline's result of the unsent messages.
  void NoteFailure(const std::string& reason);

  // Set by GiveUp and by a passed deadline; pauses on the clock end with it.
  StopSignal& stop() { return stop_; }

  // One result per message of the batch, in its order; call once, after the
  // workers ended. Each message gets its own result; else the give-up's;
  // else, past the deadline, retry_later "not sent within this Deliver
  // call's deadline of N s (last failure: ...)", which `left_for_later`
  // counts.
  struct Outcome {
    std::vector<notify::DeliveryResult> results;
    std::size_t left_for_later = 0;
  };
  Outcome Finish();

 private:
  const std::vector<notify::Message>& batch_;
  Clock& clock_;
  LogFn log_;
  Clock::TimePoint deadline_{};
  std::chrono::seconds deadline_length_{0};
  StopSignal stop_;
  mutable std::mutex mutex_;
  std::vector<std::optional<notify::DeliveryResult>> results_;
  std::optional<notify::sdk::Status> given_up_;  // why the rest of the batch was given up
  bool past_deadline_ = false;  // a message or connection was not started for the deadline
  std::string last_failure_;
};

// Runs `worker` on the calling thread and on up to `count` - 1 threads of
// its own, and returns once every one has returned; runs nothing when
// `count` is 0. The workers take their work from a shared queue, so when the
// system gives fewer threads the ones that run take it all. `worker` must
// not throw.
void RunWorkers(std::size_t count, const std::function<void()>& worker);

}  // namespace m365
