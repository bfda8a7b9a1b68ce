#pragma once
// The outbox's workers (docs/service.md, "Outbox" and "Health"): a
// dispatcher thread claims due notifications per ruleset, in batches of the
// ruleset's batch size, and hands each batch to one of a bounded number of
// worker threads, which delivers it with one Deliver call and records one
// attempt per notification.
//
//  - At most `calls_per_ruleset` Deliver calls of one ruleset run at once:
//    more would only wait for the channel's per-mailbox connection limit
//    (3 SMTP connections per mailbox in Exchange Online).
//  - retry_later -> tried again after RetryDelay; older than max_age ->
//    expired; rejected is final.
//  - A ruleset-level failure (ruleset_failure.hpp) turns the ruleset's
//    health `failing`: one error log line, its claimed notifications go back
//    to the queue, and no Deliver call is made for it (so no token request)
//    until it is saved with a new revision.
//  - After each Deliver call, the token requests the sender counted (host
//    API 1.3) are added to the metrics.
//  - Stop(): no new Deliver call; the running ones end within their own
//    bound (the channel's timeout per step) and their results are recorded.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugin_loader.hpp"
#include "service/delivery_queue.hpp"
#include "service/retry_schedule.hpp"
#include "service/ruleset_failure.hpp"
#include "service/service_metrics.hpp"

namespace notify_host {

struct WorkerSettings {
  int workers = 4;            // delivery.workers: Deliver calls at once, all rulesets together
  int calls_per_ruleset = 3;  // delivery.calls_per_ruleset
  int default_batch = 30;     // a ruleset without a batch_size setting
  std::chrono::milliseconds poll{500};  // delivery.poll_interval: how often due work is looked for
  // delivery.claim_lease: how long a claim holds without being renewed; the
  // workers renew their claims every third of it while Deliver runs.
  std::chrono::milliseconds claim_lease{60000};
  RetrySettings retry;
};

// The number of messages per Deliver call for `settings`: the channel's
// batch_size setting (small/medium/large = 10/30/100, or a number), else
// `fallback` (docs/channel-settings.md).
int BatchSizeOf(const notify::Settings& settings, int fallback);

class DeliveryWorkers {
 public:
  using NowMs = std::function<std::int64_t()>;  // wall-clock Unix milliseconds
  using Jitter = std::function<double()>;       // uniform in [0, 1)

  // `queue`, `channels` and `metrics` must outlive the workers.
  DeliveryWorkers(WorkerSettings settings, DeliveryQueue& queue,
                  const std::vector<LoadedChannel>& channels, ServiceMetrics& metrics, NowMs now,
                  Jitter jitter);
  ~DeliveryWorkers();

  // Releases the claims a previous run left behind, then starts the threads.
  void Start();
  // Looks for due work now (a notification was queued, a ruleset saved).
  void Wake();
  // Makes no new Deliver call, waits for the running ones, joins the threads.
  void Stop();

  // The health of each ruleset the workers have tried (others: unknown).
  std::map<std::string, RulesetHealth> Health() const;
  // Deliver calls running now.
  int Running() const;
  // Claim rounds the dispatcher has finished: a round that began after a
  // Wake() has looked at everything due then (tests wait for one).
  std::uint64_t DispatchRounds() const;

 private:
  struct Job {
    DeliveryRuleset ruleset;
    const LoadedChannel* channel = nullptr;
    std::vector<ClaimedNotification> batch;
  };
  void DispatchLoop();
  void WorkerLoop();
  void ClaimDueWork(std::unique_lock<std::mutex>& lock);
  void RenewClaims(std::unique_lock<std::mutex>& lock);
  void Run(Job& job);
  void RecordResults(const std::string& ruleset, const std::vector<AttemptRecord>& attempts);
  // An open sender between Deliver calls, with the counters already added
  // to the metrics (a sender's counters are totals since it was opened).
  struct OpenSender {
    std::int64_t revision = 0;
    std::unique_ptr<notify::Sender> sender;
    notify::SenderCounters counted;
  };
  OpenSender TakeSender(const Job& job, notify::ValidationReport* report);
  void ReturnSender(const Job& job, OpenSender sender);
  void CountTokenRequests(const Job& job, OpenSender& sender);
  void UpdateHealth(const Job& job, const std::optional<RulesetFailure>& failure,
                    bool any_delivered, const notify::SenderHealth& reported);

  WorkerSettings settings_;
  DeliveryQueue& queue_;
  const std::vector<LoadedChannel>& channels_;
  ServiceMetrics& metrics_;
  NowMs now_;
  Jitter jitter_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the dispatcher: work may be due
  std::condition_variable job_ready_;  // the workers: a job is queued or stopping
  bool wake_requested_ = false;
  bool stopping_ = false;
  bool started_ = false;
  int running_ = 0;  // jobs handed out and not finished
  std::uint64_t rounds_ = 0;
  std::deque<Job> jobs_;
  std::map<std::string, int> in_flight_;  // per ruleset
  std::map<std::string, RulesetHealth> health_;
  std::map<std::string, std::vector<OpenSender>> idle_senders_;  // per ruleset
  std::int64_t last_expiry_ms_ = 0;
  std::int64_t last_renewal_ms_ = 0;
  std::map<std::string, int> claimed_;  // notifications handed out and not recorded
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace notify_host
