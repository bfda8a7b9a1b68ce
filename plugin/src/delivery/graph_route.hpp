#pragma once
// The Microsoft Graph route of the sender (docs/delivery.md, The Microsoft
// Graph route): each message is one sendMail request with the MIME the SMTP
// route would send; at most 4 requests in flight per From mailbox in this
// process; keep-alive connections reused across messages and batches; 429
// Retry-After honoured and paced; a refused token refreshed once; messages too
// large for one request go as draft + upload sessions when the token carries
// Mail.ReadWrite, and are refused before any request otherwise.
#include <Poco/Net/Context.h>

#include <memory>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "notify/host_api/delivery.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/host_api/message.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"
#include "token/token_source.hpp"

namespace m365 {

// Microsoft Graph's limit of concurrent requests per mailbox (docs/microsoft-365.md,
// Microsoft Graph sendMail).
inline constexpr int kMaxGraphRequestsPerMailbox = 4;
// Throttled answers (429) a message meets before it is reported retry_later.
inline constexpr int kMaxThrottledTries = 3;

// The detail of a message Graph accepted (202).
inline constexpr const char* kGraphAcceptedDetail =
    "accepted by Exchange Online (Microsoft Graph sendMail, 202 Accepted); bounces arrive later "
    "as NDRs";

// ResultOf(id, status) with the HTTP status of Graph's answer as its code
// (0 when there was none); a delivered result says kGraphAcceptedDetail.
notify::DeliveryResult ResultOfGraph(const std::string& id, const notify::sdk::Status& status,
                                     int http_status);

class GraphRoute {
 public:
  // `tokens` hands out Microsoft Graph tokens; `host` and `clock` must
  // outlive the route.
  GraphRoute(M365Config config, Poco::Net::Context::Ptr tls, std::shared_ptr<TokenSource> tokens,
             notify::HostContext& host, Clock& clock);
  ~GraphRoute();

  // One result per message of `batch`, in order; never throws but
  // std::bad_alloc (the SenderBase barrier catches that). `given_up`, when
  // not null, receives why the rest of the batch was given up (nullopt when
  // it was not): the sender's health reads it (delivery/sender_health.hpp).
  std::vector<notify::DeliveryResult> Deliver(
      const std::vector<notify::Message>& batch,
      std::optional<notify::sdk::Status>* given_up = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace m365
