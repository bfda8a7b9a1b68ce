// SenderBase: no exception from the plugin's DeliverBatch and no wrong result
// list can break "one result per message, in order".
#include "notify/sdk/sender_base.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <type_traits>

namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::Message;

static_assert(noexcept(std::declval<notify::sdk::SenderBase&>().Deliver({})),
              "Deliver never throws");

using Script = std::function<std::vector<DeliveryResult>(const std::vector<Message>&)>;

class ScriptedSender : public notify::sdk::SenderBase {
 public:
  explicit ScriptedSender(Script script) : script_(std::move(script)) {}
  int calls = 0;

 protected:
  std::vector<DeliveryResult> DeliverBatch(const std::vector<Message>& batch) override {
    ++calls;
    return script_(batch);
  }

 private:
  Script script_;
};

std::vector<Message> Batch(int n) {
  std::vector<Message> batch(n);
  for (int i = 0; i < n; ++i) batch[i].id = "m" + std::to_string(i);
  return batch;
}

DeliveryResult Delivered(const Message& m) { return {m.id, DeliveryStatus::kDelivered}; }

// Delivers `batch` through a sender running `script` and checks the invariant.
std::vector<DeliveryResult> DeliverChecked(const std::vector<Message>& batch, Script script) {
  ScriptedSender sender(std::move(script));
  auto results = sender.Deliver(batch);
  EXPECT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < std::min(results.size(), batch.size()); ++i)
    EXPECT_EQ(results[i].id, batch[i].id) << i;
  return results;
}

TEST(SenderBase, PassesCorrectResultsThrough) {
  auto batch = Batch(2);
  auto results = DeliverChecked(batch, [](const std::vector<Message>& b) {
    return std::vector<DeliveryResult>{Delivered(b[0]), {b[1].id, DeliveryStatus::kRejected}};
  });
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRejected);
}

TEST(SenderBase, AnExceptionMakesEveryMessageRetryLaterWithTheError) {
  auto batch = Batch(3);
  auto results =
      DeliverChecked(batch, [](const std::vector<Message>&) -> std::vector<DeliveryResult> {
        throw std::runtime_error("socket on fire");
      });
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
    EXPECT_NE(r.detail.find("internal error: socket on fire"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("outcome unknown"), std::string::npos) << r.detail;
  }
}

TEST(SenderBase, ANonStandardExceptionIsCaughtToo) {
  auto results = DeliverChecked(
      Batch(1), [](const std::vector<Message>&) -> std::vector<DeliveryResult> { throw 42; });
  EXPECT_EQ(results[0].status, DeliveryStatus::kRetryLater);
  EXPECT_NE(results[0].detail.find("internal error: unknown exception"), std::string::npos);
}

TEST(SenderBase, TooFewResultsAreCompleted) {
  auto results = DeliverChecked(Batch(3), [](const std::vector<Message>& b) {
    return std::vector<DeliveryResult>{Delivered(b[0])};
  });
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  for (int i : {1, 2}) {
    EXPECT_EQ(results[i].status, DeliveryStatus::kRetryLater);
    EXPECT_NE(results[i].detail.find("plugin returned no result"), std::string::npos);
  }
}

TEST(SenderBase, NoResultsAreCompleted) {
  auto results = DeliverChecked(
      Batch(2), [](const std::vector<Message>&) { return std::vector<DeliveryResult>{}; });
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
}

TEST(SenderBase, TooManyResultsAreCut) {
  DeliverChecked(Batch(2), [](const std::vector<Message>& b) {
    return std::vector<DeliveryResult>{
        Delivered(b[0]), Delivered(b[1]), Delivered(b[1]), {"stray", DeliveryStatus::kDelivered}};
  });
}

TEST(SenderBase, ReorderedResultsArePutBackInOrder) {
  auto results = DeliverChecked(Batch(3), [](const std::vector<Message>& b) {
    return std::vector<DeliveryResult>{{b[2].id, DeliveryStatus::kRejected},
                                       Delivered(b[0]),
                                       {b[1].id, DeliveryStatus::kRetryLater}};
  });
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(results[2].status, DeliveryStatus::kRejected);
}

TEST(SenderBase, ResultsWithWrongIdsAreNotTrusted) {
  auto results = DeliverChecked(Batch(2), [](const std::vector<Message>&) {
    return std::vector<DeliveryResult>{{"x", DeliveryStatus::kDelivered},
                                       {"y", DeliveryStatus::kDelivered}};
  });
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
}

TEST(SenderBase, AnEmptyBatchDoesNotReachThePlugin) {
  ScriptedSender sender([](const std::vector<Message>&) -> std::vector<DeliveryResult> {
    throw std::logic_error("must not be called");
  });
  EXPECT_TRUE(sender.Deliver({}).empty());
  EXPECT_EQ(sender.calls, 0);
}

}  // namespace
