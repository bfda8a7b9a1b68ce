#pragma once
// The service's metrics (docs/service.md, "Metrics"), kept with
// prometheus-cpp's core library and served in its text format by our own
// listener (/metrics), not by prometheus-cpp's civetweb exposer.
//
// Counters and the latency histogram are updated as work happens; the
// figures that live in the state database (notifications by status, queue
// depth and oldest age) and the per-ruleset health are set from a snapshot
// taken at each scrape (Snapshot below), so they never drift from it.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace notify_host {

class ServiceMetrics {
 public:
  ServiceMetrics();

  // One Deliver call of `seconds` for `ruleset`, and each message's outcome.
  void DeliverCall(const std::string& ruleset, double seconds);
  void Outcome(const std::string& ruleset, const std::string& status);
  // A notification accepted by the API.
  void Accepted(std::size_t count);
  // `count` token requests of `ruleset`'s senders with `outcome` (granted,
  // refused, failed), as the channel counts them (host API 1.3).
  void TokenRequests(const std::string& ruleset, const std::string& outcome, double count);

  struct RulesetFigures {
    std::string name;
    std::string health;                   // "ok", "failing", "warning", "unknown"
    double credential_seconds_left = -1;  // < 0: unknown
  };
  struct Snapshot {
    std::map<std::string, double> notifications_by_status;  // "queued" -> 12, ...
    double queue_depth = 0;                                 // notifications waiting or being sent
    double oldest_queued_age_s = 0;                         // 0 when the queue is empty
    std::vector<RulesetFigures> rulesets;
  };
  // The text exposition format (version 0.0.4) of every metric, after
  // setting the gauges from `snapshot`. Thread-safe.
  std::string Render(const Snapshot& snapshot);

 private:
  std::mutex mutex_;  // guards the gauges set from snapshots
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& accepted_;
  prometheus::Family<prometheus::Counter>& outcomes_;
  prometheus::Family<prometheus::Histogram>& deliver_seconds_;
  prometheus::Family<prometheus::Counter>& token_requests_;
  prometheus::Family<prometheus::Gauge>& by_status_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& oldest_age_;
  prometheus::Family<prometheus::Gauge>& health_;
  prometheus::Family<prometheus::Gauge>& seconds_left_;
  std::vector<prometheus::Gauge*> per_scrape_;  // removed and set anew at each scrape
  std::vector<prometheus::Gauge*> per_scrape_by_status_;
  std::vector<prometheus::Gauge*> per_scrape_seconds_;
};

}  // namespace notify_host
