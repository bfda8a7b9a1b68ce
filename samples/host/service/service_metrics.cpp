#include "service/service_metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace notify_host {
namespace {

// Deliver calls carry up to a batch of messages over a TLS connection: from
// tens of milliseconds to the channel's timeout (120 s by default).
const prometheus::Histogram::BucketBoundaries kDeliverBuckets = {0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                                                 5,    10,  30,   60,  120};
const char* const kHealthStates[] = {"ok", "warning", "failing", "unknown"};

}  // namespace

ServiceMetrics::ServiceMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      accepted_(prometheus::BuildCounter()
                    .Name("notify_notifications_accepted_total")
                    .Help("Notifications accepted by the API and stored in the outbox")
                    .Register(*registry_)),
      outcomes_(prometheus::BuildCounter()
                    .Name("notify_delivery_outcomes_total")
                    .Help("Delivery attempts by ruleset and outcome "
                          "(delivered, retry_later, rejected, expired)")
                    .Register(*registry_)),
      deliver_seconds_(prometheus::BuildHistogram()
                           .Name("notify_deliver_duration_seconds")
                           .Help("Duration of one Deliver call (one batch) by ruleset")
                           .Register(*registry_)),
      token_requests_(prometheus::BuildCounter()
                          .Name("notify_token_requests_total")
                          .Help("Token requests the channel sent while delivering, by ruleset and "
                                "outcome (granted, refused, failed); tokens from its cache are "
                                "not requests")
                          .Register(*registry_)),
      by_status_(prometheus::BuildGauge()
                     .Name("notify_notifications")
                     .Help("Notifications in the state database by status")
                     .Register(*registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("notify_queue_depth")
                       .Help("Notifications waiting for delivery (queued, retry_later, sending)")
                       .Register(*registry_)),
      oldest_age_(prometheus::BuildGauge()
                      .Name("notify_queue_oldest_age_seconds")
                      .Help("Age of the oldest notification waiting for delivery; 0 when none")
                      .Register(*registry_)),
      health_(prometheus::BuildGauge()
                  .Name("notify_ruleset_health")
                  .Help("1 for the ruleset's current health state, 0 for the others")
                  .Register(*registry_)),
      seconds_left_(prometheus::BuildGauge()
                        .Name("notify_ruleset_credential_expiry_seconds")
                        .Help("Seconds until the ruleset's client secret or certificate expires "
                              "(/86400 for days; only rulesets whose expiry is known)")
                        .Register(*registry_)) {
  accepted_.Add({});
  queue_depth_.Add({});
  oldest_age_.Add({});
}

void ServiceMetrics::DeliverCall(const std::string& ruleset, double seconds) {
  deliver_seconds_.Add({{"ruleset", ruleset}}, kDeliverBuckets).Observe(seconds);
}

void ServiceMetrics::Outcome(const std::string& ruleset, const std::string& status) {
  outcomes_.Add({{"ruleset", ruleset}, {"outcome", status}}).Increment();
}

void ServiceMetrics::Accepted(std::size_t count) {
  accepted_.Add({}).Increment(static_cast<double>(count));
}

void ServiceMetrics::TokenRequests(const std::string& ruleset, const std::string& outcome,
                                   double count) {
  token_requests_.Add({{"ruleset", ruleset}, {"outcome", outcome}}).Increment(count);
}

std::string ServiceMetrics::Render(const Snapshot& snapshot) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto* g : per_scrape_) health_.Remove(g);
  for (auto* g : per_scrape_seconds_) seconds_left_.Remove(g);
  for (auto* g : per_scrape_by_status_) by_status_.Remove(g);
  per_scrape_.clear();
  per_scrape_seconds_.clear();
  per_scrape_by_status_.clear();
  for (const auto& [status, count] : snapshot.notifications_by_status) {
    auto& g = by_status_.Add({{"status", status}});
    g.Set(count);
    per_scrape_by_status_.push_back(&g);
  }
  queue_depth_.Add({}).Set(snapshot.queue_depth);
  oldest_age_.Add({}).Set(snapshot.oldest_queued_age_s);
  for (const auto& r : snapshot.rulesets) {
    for (const char* state : kHealthStates) {
      auto& g = health_.Add({{"ruleset", r.name}, {"state", state}});
      g.Set(r.health == state ? 1 : 0);
      per_scrape_.push_back(&g);
    }
    if (r.credential_seconds_left >= 0) {
      auto& g = seconds_left_.Add({{"ruleset", r.name}});
      g.Set(r.credential_seconds_left);
      per_scrape_seconds_.push_back(&g);
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace notify_host
