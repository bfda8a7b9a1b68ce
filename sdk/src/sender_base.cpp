#include "notify/sdk/sender_base.hpp"

#include <string>

#include "notify/sdk/barrier.hpp"
#include "notify/sdk/results.hpp"

namespace notify::sdk {

std::vector<DeliveryResult> SenderBase::Deliver(const std::vector<Message>& batch) noexcept {
  if (batch.empty()) return {};
  std::vector<DeliveryResult> results =
      Guard([&] { return DeliverBatch(batch); },
            [&](const std::string& what) {
              std::vector<DeliveryResult> failed;
              failed.reserve(batch.size());
              for (const Message& m : batch) {
                DeliveryResult r;
                r.id = m.id;
                r.status = DeliveryStatus::kRetryLater;
                r.detail = "internal error: " + what + "; outcome unknown";
                failed.push_back(std::move(r));
              }
              return failed;
            });
  // Should even that fail (no memory), Guard gives an empty list, and the
  // repair below still gives each message its result (or, without memory
  // for that either, ends the process: Deliver is noexcept).
  return OneResultPerMessage(batch, std::move(results));
}

SenderHealth SenderBase::Health() const noexcept {
  return Guard([&] { return ReportHealth(); },
               [](const std::string& what) {
                 SenderHealth unknown;
                 unknown.cause = "internal error: " + what;
                 return unknown;
               });
}

SenderHealth SenderBase::ReportHealth() const { return {}; }

SenderCounters SenderBase::Counters() const noexcept {
  return Guard([&] { return ReportCounters(); },
               [](const std::string&) { return SenderCounters{}; });
}

SenderCounters SenderBase::ReportCounters() const { return {}; }

}  // namespace notify::sdk
