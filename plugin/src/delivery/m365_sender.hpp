#pragma once
// Delivers batches through Exchange Online: up to batch_size messages per
// authenticated connection, at most 3 connections per From mailbox, one
// result per message in order (design.md section 7).
#include <Poco/Net/Context.h>

#include <memory>

#include "common/clock.hpp"
#include "notify/host_api/channel.hpp"
#include "notify/host_api/host_context.hpp"
#include "settings/m365_config.hpp"
#include "token/token_source.hpp"

namespace m365 {

class M365Sender : public notify::Sender {
 public:
  // `host` and `clock` must outlive the sender; `clock` paces retries.
  M365Sender(M365Config config, Poco::Net::Context::Ptr tls, std::shared_ptr<TokenSource> tokens,
             notify::HostContext& host, Clock& clock = SteadyClock());
  ~M365Sender() override;
  std::vector<notify::DeliveryResult> Deliver(
      const std::vector<notify::Message>& batch) noexcept override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace m365
