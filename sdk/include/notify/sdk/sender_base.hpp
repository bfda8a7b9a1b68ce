#pragma once
// The base class for a plugin's sender: it keeps the Sender contract (no
// exception escapes, one result per message, in order) so that the plugin's
// delivery code cannot break it.
#include <vector>

#include "notify/host_api/channel.hpp"

namespace notify::sdk {

// A Sender whose Deliver is final. Derive from it and implement DeliverBatch.
//
// Threads: like every Sender, used by one thread at a time; DeliverBatch is
// never called concurrently on one object. It may start threads of its own,
// and must have joined them before it returns.
class SenderBase : public Sender {
 public:
  // Returns nothing for an empty batch without calling DeliverBatch.
  // Otherwise runs DeliverBatch inside the exception barrier and returns
  // exactly one result per message, in order, each with its message's id:
  //   - when DeliverBatch throws, every message gets retry_later with detail
  //     "internal error: <what>; outcome unknown";
  //   - when it returns too few or too many results, or results in another
  //     order or with other ids, they are matched to the messages by
  //     OneResultPerMessage (results.hpp), and a message left without one
  //     gets retry_later "plugin returned no result; outcome unknown".
  // Blocks as long as DeliverBatch does.
  std::vector<DeliveryResult> Deliver(const std::vector<Message>& batch) noexcept final;

  // ReportHealth inside the exception barrier; after an exception, a report
  // of state kUnknown whose cause is "internal error: <what>". Callable from
  // any thread, also while Deliver runs.
  SenderHealth Health() const noexcept final;

  // ReportCounters inside the exception barrier; after an exception, zeros.
  // Callable from any thread, also while Deliver runs.
  SenderCounters Counters() const noexcept final;

 protected:
  // The plugin's delivery of a non-empty batch. Should return one result per
  // message, in order, with the message's id (Deliver repairs it otherwise).
  // May throw; an exception fails the whole batch as described above, so
  // code that can fail for one message should return a result for that
  // message instead. Each network step must be bounded by the channel's
  // timeout setting.
  virtual std::vector<DeliveryResult> DeliverBatch(const std::vector<Message>& batch) = 0;

  // The sender's health (Sender::Health). Runs concurrently with
  // DeliverBatch, from any thread: keep it in a HealthRecord
  // (health_record.hpp), which is thread-safe. No I/O. The default reports
  // kUnknown.
  virtual SenderHealth ReportHealth() const;

  // The sender's counters (Sender::Counters): totals since it was opened,
  // never decreasing. Runs concurrently with DeliverBatch, from any thread:
  // keep them in atomics. No I/O. The default reports zeros.
  virtual SenderCounters ReportCounters() const;
};

}  // namespace notify::sdk
