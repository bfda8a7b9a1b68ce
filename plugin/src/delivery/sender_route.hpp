#pragma once
// The route a sender takes (docs/delivery.md, The route): decided when the
// sender first delivers, from the `transport` setting and the tokens' roles
// (route/route_decision.hpp), then kept for the sender's life, so that it
// never changes within or between the batches of one sender. A host that
// opens a new sender gets a new decision.
#include <Poco/Net/Context.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "delivery/graph_route.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/sdk/status.hpp"
#include "route/route_decision.hpp"
#include "settings/m365_config.hpp"
#include "token/token_source.hpp"

namespace m365 {

class SenderRoute {
 public:
  // `graph_tokens` may be nullptr: the sender then has the SMTP route only
  // (auto without a Graph token source decides from the Exchange token alone).
  SenderRoute(const M365Config& config, Poco::Net::Context::Ptr tls,
              std::shared_ptr<TokenSource> exchange_tokens,
              std::shared_ptr<TokenSource> graph_tokens, notify::HostContext& host, Clock& clock);

  // The decided route (kSmtp or kGraph), deciding on the first call that
  // succeeds. A failure (no token, neither role) is returned at once, and
  // the next call decides again. Thread-safe.
  notify::sdk::StatusOr<Transport> Decide();
  // The Graph route; valid once Decide() returned kGraph.
  GraphRoute& graph() { return *graph_; }
  const M365Config& config() const { return config_; }

 private:
  M365Config config_;
  Poco::Net::Context::Ptr tls_;
  std::shared_ptr<TokenSource> exchange_tokens_;
  std::shared_ptr<TokenSource> graph_tokens_;
  notify::HostContext& host_;
  Clock& clock_;
  std::mutex mutex_;
  std::optional<Transport> decided_;
  std::unique_ptr<GraphRoute> graph_;
};

// One result per message of `batch` for a batch no route could take: a
// message the MIME builder refuses is rejected as invalid (bad input is
// refused whatever the route), every other one gets ResultOf(id, why).
std::vector<notify::DeliveryResult> ResultsWithoutRoute(const std::vector<notify::Message>& batch,
                                                        const notify::sdk::Status& why,
                                                        const M365Config& config);

}  // namespace m365
