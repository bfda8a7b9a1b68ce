// OneResultPerMessage: whatever a sender returned, each message gets exactly
// one result, in order, with its id.
#include "notify/sdk/results.hpp"

#include <gtest/gtest.h>

namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::Message;
using notify::sdk::HasOneResultPerMessage;
using notify::sdk::OneResultPerMessage;

std::vector<Message> Batch(const std::vector<std::string>& ids) {
  std::vector<Message> batch;
  for (const auto& id : ids) {
    Message m;
    m.id = id;
    batch.push_back(m);
  }
  return batch;
}

DeliveryResult Result(const std::string& id, DeliveryStatus status = DeliveryStatus::kDelivered,
                      const std::string& detail = "") {
  DeliveryResult r;
  r.id = id;
  r.status = status;
  r.detail = detail;
  return r;
}

// The invariant every test ends with.
void ExpectOneResultPerMessageInOrder(const std::vector<Message>& batch,
                                      const std::vector<DeliveryResult>& results) {
  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) EXPECT_EQ(results[i].id, batch[i].id) << i;
  EXPECT_TRUE(HasOneResultPerMessage(batch, results));
}

void ExpectNoResult(const DeliveryResult& r) {
  EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.detail.find("plugin returned no result"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("outcome unknown"), std::string::npos) << r.detail;
}

TEST(OneResultPerMessage, KeepsResultsThatAlreadyHoldTheContract) {
  auto batch = Batch({"a", "b"});
  std::vector<DeliveryResult> results = {Result("a"), Result("b", DeliveryStatus::kRejected, "no")};
  EXPECT_TRUE(HasOneResultPerMessage(batch, results));
  auto repaired = OneResultPerMessage(batch, results);
  ExpectOneResultPerMessageInOrder(batch, repaired);
  EXPECT_EQ(repaired[1].status, DeliveryStatus::kRejected);
  EXPECT_EQ(repaired[1].detail, "no");
}

TEST(OneResultPerMessage, EmptyBatchGetsNoResults) {
  EXPECT_TRUE(OneResultPerMessage({}, {}).empty());
  EXPECT_TRUE(OneResultPerMessage({}, {Result("stray")}).empty());
}

TEST(OneResultPerMessage, TooFewResultsAreCompletedWithRetryLater) {
  auto batch = Batch({"a", "b", "c"});
  auto results = OneResultPerMessage(batch, {Result("a"), Result("c")});
  ExpectOneResultPerMessageInOrder(batch, results);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  ExpectNoResult(results[1]);
  EXPECT_EQ(results[2].status, DeliveryStatus::kDelivered);
}

TEST(OneResultPerMessage, NoResultsAtAllGiveEachMessageRetryLater) {
  auto batch = Batch({"a", "b"});
  auto results = OneResultPerMessage(batch, {});
  ExpectOneResultPerMessageInOrder(batch, results);
  for (const auto& r : results) ExpectNoResult(r);
}

TEST(OneResultPerMessage, TooManyResultsAreCutToOnePerMessage) {
  auto batch = Batch({"a", "b"});
  auto results = OneResultPerMessage(
      batch, {Result("a"), Result("b"), Result("b", DeliveryStatus::kRejected), Result("z")});
  ExpectOneResultPerMessageInOrder(batch, results);
  EXPECT_EQ(results[1].status, DeliveryStatus::kDelivered) << "the result at its own position";
}

TEST(OneResultPerMessage, ReorderedResultsAreMatchedById) {
  auto batch = Batch({"a", "b", "c"});
  auto results = OneResultPerMessage(batch, {Result("c", DeliveryStatus::kRejected), Result("a"),
                                             Result("b", DeliveryStatus::kRetryLater)});
  ExpectOneResultPerMessageInOrder(batch, results);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRetryLater);
  EXPECT_EQ(results[2].status, DeliveryStatus::kRejected);
}

TEST(OneResultPerMessage, AResultForAnUnknownIdIsNeverGivenToAnotherMessage) {
  auto batch = Batch({"a", "b"});
  auto results = OneResultPerMessage(batch, {Result("a"), Result("x")});
  ExpectOneResultPerMessageInOrder(batch, results);
  ExpectNoResult(results[1]);
}

TEST(OneResultPerMessage, RepeatedIdsPreferTheResultAtTheirOwnPosition) {
  // Ids are the host's and need not be unique: the one result for "a" is the
  // second message's by position, so the first message is the one without.
  auto batch = Batch({"a", "a"});
  auto results = OneResultPerMessage(batch, {Result("x"), Result("a", DeliveryStatus::kRejected)});
  ExpectOneResultPerMessageInOrder(batch, results);
  ExpectNoResult(results[0]);
  EXPECT_EQ(results[1].status, DeliveryStatus::kRejected);
}

TEST(OneResultPerMessage, EachResultIsTakenOnce) {
  auto batch = Batch({"a", "a", "a"});
  auto results = OneResultPerMessage(batch, {Result("a")});
  ExpectOneResultPerMessageInOrder(batch, results);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  ExpectNoResult(results[1]);
  ExpectNoResult(results[2]);
}

TEST(HasOneResultPerMessage, NeedsTheCountTheOrderAndTheIds) {
  auto batch = Batch({"a", "b"});
  EXPECT_TRUE(HasOneResultPerMessage(batch, {Result("a"), Result("b")}));
  EXPECT_FALSE(HasOneResultPerMessage(batch, {Result("a")}));
  EXPECT_FALSE(HasOneResultPerMessage(batch, {Result("b"), Result("a")}));
  EXPECT_FALSE(HasOneResultPerMessage(batch, {Result("a"), Result("b"), Result("b")}));
  EXPECT_FALSE(HasOneResultPerMessage(batch, {Result("a"), Result("")}));
}

}  // namespace
