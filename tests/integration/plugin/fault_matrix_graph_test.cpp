// The fault matrix on the Microsoft Graph route (docs/delivery.md, The
// Microsoft Graph route): each fault of the emulator's Graph endpoint, the
// result the host gets, and the same invariants as on SMTP afterwards: one
// result per message, nothing lost, nothing sent twice unless reported
// "outcome unknown", a deadline on every request.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "delivery/graph_route.hpp"
#include "delivery/m365_sender.hpp"
#include "graph_fixture.hpp"
#include "net/tls_context.hpp"
#include "settings/m365_config.hpp"
#include "token/token_source.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;

class GraphFaultTest : public GraphTest {};

TEST_F(GraphFaultTest, ThrottlingIsPacedByRetryAfterThenDelivered) {
  m365emu::Faults f;
  f.graph_http_429_retry_after = 7;
  f.graph_fault_count = 1;
  emulator_->SetFaults(f);
  auto results = DeliverGraph(DeliveryLedger::Batch("t", 1));
  ExpectAll(results, DeliveryStatus::kDelivered);
  ASSERT_FALSE(clock_.pauses().empty());
  EXPECT_EQ(clock_.pauses().front(), std::chrono::seconds(7)) << "Retry-After honoured";
  EXPECT_EQ(GraphStatusCount(429), 1);
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, ThrottlingThatLastsIsRetryLaterWithTheServersWait) {
  m365emu::Faults f;
  f.graph_http_429_retry_after = 9;
  emulator_->SetFaults(f);
  auto results = DeliverGraph(DeliveryLedger::Batch("tt", 1));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << r.detail;
    EXPECT_EQ(r.retry_after_s, 9) << r.detail;
  }
  EXPECT_EQ(GraphStatusCount(429), kMaxThrottledTries) << "never hammered";
  ASSERT_EQ(clock_.pauses().size(), static_cast<std::size_t>(kMaxThrottledTries - 1));
  for (auto pause : clock_.pauses()) EXPECT_EQ(pause, std::chrono::seconds(9));
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, ServiceUnavailableIsRetryLaterWithItsRetryAfter) {
  m365emu::Faults f;
  f.graph_http_503_retry_after = 30;
  emulator_->SetFaults(f);
  auto results = DeliverGraph(DeliveryLedger::Batch("u", 3));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << r.detail;
    EXPECT_EQ(r.retry_after_s, 30) << r.detail;
  }
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, InternalServerErrorIsRetryLater) {
  m365emu::Faults f;
  f.graph_http_500 = true;
  emulator_->SetFaults(f);
  ExpectAll(DeliverGraph(DeliveryLedger::Batch("i", 2)), DeliveryStatus::kRetryLater, "500");
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, ADroppedRequestIsOutcomeUnknown) {
  m365emu::Faults f;
  f.graph_drop = true;
  f.graph_fault_count = 1;
  emulator_->SetFaults(f);
  auto results = DeliverGraph(DeliveryLedger::Batch("d", 1));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(IsOutcomeUnknown(results[0])) << results[0].detail;
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, ASlowAnswerPastTheTimeoutEndsWithinIt) {
  m365emu::Faults f;
  f.graph_delay_ms = (kTimeoutS + 3) * 1000;
  f.graph_fault_count = 1;
  emulator_->SetFaults(f);
  auto start = WallClock::now();
  auto results = DeliverGraph(DeliveryLedger::Batch("s", 1));
  EXPECT_LT(Since(start), kTimeout + kSlack);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(IsOutcomeUnknown(results[0])) << results[0].detail;
  emulator_->SetFaults({});  // releases the held request
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, AMailboxOutsideTheAccessPolicyIsRejectedWithTheCheckToRun) {
  m365emu::Config config = m365emu::DemoConfig();
  GraphApp(config).application_access_policy = std::vector<std::string>{"someone@contoso.com"};
  StartEmulator(config);
  auto results = DeliverGraph(DeliveryLedger::Batch("p", 12));
  ExpectAll(results, DeliveryStatus::kRejected, "Test-ApplicationAccessPolicy");
  // Only the requests already in flight (one per worker) meet the refusal;
  // the rest of the batch is given up, not hammered.
  EXPECT_LE(GraphStatusCount(403), kMaxGraphRequestsPerMailbox);
}

// Hands out `first` until it is refused, then `then`; counts refreshes.
class RefusedFirstTokens : public TokenSource {
 public:
  RefusedFirstTokens(std::string first, std::string then)
      : first_(std::move(first)), then_(std::move(then)) {}
  notify::sdk::StatusOr<std::string> Get() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return refreshes_ == 0 ? first_ : then_;
  }
  notify::sdk::StatusOr<std::string> Refresh(const std::string&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++refreshes_;
    return then_;
  }
  int refreshes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refreshes_;
  }

 private:
  mutable std::mutex mutex_;
  std::string first_, then_;
  int refreshes_ = 0;
};

class GraphTokenTest : public GraphTest {
 protected:
  std::vector<notify::DeliveryResult> DeliverWithTokens(std::shared_ptr<TokenSource> graph,
                                                        int count) {
    notify::Settings settings = GraphSettings();
    settings["transport"] = "graph";
    M365Config config = ResolveConfig(settings);
    auto tls = MakeClientTlsContext(config.ca_file);
    EXPECT_TRUE(tls.ok());
    M365Sender sender(config, tls.value(), graph, host_, clock_, graph);
    auto batch = DeliveryLedger::Batch("tok", count);
    auto results = sender.Deliver(batch);
    ledger_.Record(batch, results);
    return results;
  }

  std::string Token(bool foreign) const {
    m365emu::MintOptions o;
    o.client_id = m365emu::kDemoGraphClientId;
    o.audience = m365emu::kGraphResource;
    o.foreign_key = foreign;
    return emulator_->MintToken(o);
  }
};

TEST_F(GraphTokenTest, ARefusedTokenIsRefreshedOnceAndTheRequestRetried) {
  auto tokens = std::make_shared<RefusedFirstTokens>(Token(true), Token(false));
  auto results = DeliverWithTokens(tokens, 1);
  ExpectAll(results, DeliveryStatus::kDelivered);
  EXPECT_EQ(tokens->refreshes(), 1);
  EXPECT_EQ(GraphStatusCount(401), 1);
  ledger_.ExpectSpoolConsistent(*emulator_);
}

TEST_F(GraphTokenTest, ATokenRefusedAgainAfterTheRefreshRejectsTheBatch) {
  auto tokens = std::make_shared<RefusedFirstTokens>(Token(true), Token(true));
  auto results = DeliverWithTokens(tokens, 1);
  ExpectAll(results, DeliveryStatus::kRejected, "401");
  EXPECT_EQ(GraphStatusCount(401), 2) << "one refresh and one retry";
  EXPECT_EQ(tokens->refreshes(), 1);
}

TEST_F(GraphFaultTest, AnUnreachableGraphIsPacedThenRetryLater) {
  notify::Settings settings = GraphSettings();
  settings["graph_url"] = "https://localhost:1";
  auto results = Deliver(DeliveryLedger::Batch("x", 2), settings);
  ExpectAll(results, DeliveryStatus::kRetryLater, "not sent");
  EXPECT_FALSE(clock_.pauses().empty()) << "paced, not hammered";
  LiftAndExpectGraphRecovery();
}

TEST_F(GraphFaultTest, AnUnknownMailboxIsRejectedForTheWholeBatch) {
  notify::Settings settings = GraphSettings();
  settings["from_email"] = "nobody@contoso.onmicrosoft.com";
  auto results = Deliver(DeliveryLedger::Batch("n", 12), settings);
  ExpectAll(results, DeliveryStatus::kRejected, "From Email");
  EXPECT_LE(GraphStatusCount(404), kMaxGraphRequestsPerMailbox) << "given up, not hammered";
}

}  // namespace
}  // namespace m365::testing
