// The sender's route, decided once.
#include "delivery/sender_route.hpp"

#include "common/server_log.hpp"
#include "delivery/delivery_plan.hpp"
#include "mime/mime_builder.hpp"

namespace m365 {
namespace {

// A TokenSource that has none: auto then decides from the Exchange token.
class NoGraphTokens : public TokenSource {
 public:
  notify::sdk::StatusOr<std::string> Get() override {
    return notify::sdk::Status::FailedPrecondition("no Microsoft Graph token source");
  }
  notify::sdk::StatusOr<std::string> Refresh(const std::string&) override { return Get(); }
};

}  // namespace

SenderRoute::SenderRoute(const M365Config& config, Poco::Net::Context::Ptr tls,
                         std::shared_ptr<TokenSource> exchange_tokens,
                         std::shared_ptr<TokenSource> graph_tokens, notify::HostContext& host,
                         Clock& clock)
    : config_(config),
      tls_(std::move(tls)),
      exchange_tokens_(std::move(exchange_tokens)),
      graph_tokens_(graph_tokens ? std::move(graph_tokens) : std::make_shared<NoGraphTokens>()),
      host_(host),
      clock_(clock) {}

notify::sdk::StatusOr<Transport> SenderRoute::Decide() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (decided_) return *decided_;
  // A token failure gives up the batch at once, as on the SMTP route
  // (docs/delivery.md, Tokens): the token cache keeps a Retry-After.
  auto choice = ChooseRoute(config_.transport, *exchange_tokens_, *graph_tokens_);
  if (!choice.ok()) return choice.status();
  decided_ = choice->route;
  if (*decided_ == Transport::kGraph) {
    graph_ = std::make_unique<GraphRoute>(config_, tls_, graph_tokens_, host_, clock_);
  }
  LogForServer(host_, config_.server_name, notify::LogLevel::kInfo, choice->because);
  return *decided_;
}

std::vector<notify::DeliveryResult> ResultsWithoutRoute(const std::vector<notify::Message>& batch,
                                                        const notify::sdk::Status& why,
                                                        const M365Config& config) {
  MimeBuilder builder(config.from_email, config.from_name);
  std::vector<notify::DeliveryResult> results;
  results.reserve(batch.size());
  for (const auto& m : batch) {
    auto mime = builder.Build(m);
    results.push_back(mime.ok() ? ResultOf(m.id, why)
                                : ResultOfInvalidMessage(m.id, mime.status().message()));
  }
  return results;
}

}  // namespace m365
