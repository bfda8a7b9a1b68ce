#pragma once
// Delivers batches through Exchange Online (docs/delivery.md): up to
// batch_size messages per authenticated connection, at most 3 connections per
// From mailbox, one result per message in order.
#include <Poco/Net/Context.h>

#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/sdk/sender_base.hpp"
#include "settings/m365_config.hpp"
#include "token/token_source.hpp"

namespace m365 {

class SenderRoute;

// The channel's Sender, on the SDK's SenderBase: its public Deliver runs
// DeliverBatch inside the exception barrier and completes the results, so a
// message never goes without one.
class M365Sender : public notify::sdk::SenderBase {
 public:
  // `host` and `clock` must outlive the sender; `clock` paces retries and
  // measures each Deliver call's deadline. `tokens` are Exchange Online's;
  // `graph_tokens` Microsoft Graph's, nullptr for a sender without the Graph
  // route (delivery/sender_route.hpp).
  M365Sender(M365Config config, Poco::Net::Context::Ptr tls, std::shared_ptr<TokenSource> tokens,
             notify::HostContext& host, Clock& clock = SteadyClock(),
             std::shared_ptr<TokenSource> graph_tokens = nullptr);
  ~M365Sender() override;

 protected:
  // One result per message of `batch`, in order (docs/delivery.md, Outcomes).
  std::vector<notify::DeliveryResult> DeliverBatch(
      const std::vector<notify::Message>& batch) override;
  // Failing after a refusal only an administrator can fix, the credential's
  // expiry, ok once delivering (delivery/sender_health.hpp).
  notify::SenderHealth ReportHealth() const override;
  // The token requests of both token sources (TokenSource::Requests).
  notify::SenderCounters ReportCounters() const override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;  // the SMTP route
  std::unique_ptr<SenderRoute> route_;
  std::vector<std::shared_ptr<const TokenSource>> token_sources_;  // counted by ReportCounters
};

}  // namespace m365
