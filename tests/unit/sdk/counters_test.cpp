// Sender counters (API 1.3): SenderBase keeps exceptions out of Counters, and
// a host asks only plugins that have them.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "notify/host_api/channel.hpp"
#include "notify/sdk/sender_base.hpp"

namespace {

using notify::SenderCounters;

class CountingSender : public notify::sdk::SenderBase {
 public:
  std::atomic<std::uint64_t> granted{0};
  bool throw_from_counters = false;

 protected:
  std::vector<notify::DeliveryResult> DeliverBatch(const std::vector<notify::Message>&) override {
    ++granted;
    return {};
  }
  SenderCounters ReportCounters() const override {
    if (throw_from_counters) throw std::runtime_error("counters broke");
    SenderCounters c;
    c.token_requests_granted = granted;
    return c;
  }
};

class SilentSender : public notify::sdk::SenderBase {
 protected:
  std::vector<notify::DeliveryResult> DeliverBatch(const std::vector<notify::Message>&) override {
    return {};
  }
};

TEST(SenderBaseCounters, ReportsWhatThePluginCounted) {
  CountingSender sender;
  notify::Message m;
  m.id = "m1";
  (void)sender.Deliver({m});
  (void)sender.Deliver({m});
  EXPECT_EQ(sender.Counters().token_requests_granted, 2u);
}

TEST(SenderBaseCounters, AnExceptionGivesZeros) {
  CountingSender sender;
  sender.granted = 5;
  sender.throw_from_counters = true;
  SenderCounters c = sender.Counters();
  EXPECT_EQ(c.token_requests_granted, 0u);
  EXPECT_EQ(c.token_requests_refused, 0u);
  EXPECT_EQ(c.token_requests_failed, 0u);
}

TEST(SenderBaseCounters, APluginThatCountsNothingReportsZeros) {
  SilentSender sender;
  EXPECT_EQ(sender.Counters().token_requests_granted, 0u);
}

TEST(CountersOf, AsksOnlyPluginsBuiltForApi13OrNewer) {
  CountingSender sender;
  sender.granted = 3;
  EXPECT_EQ(notify::CountersOf({1, 3}, sender).token_requests_granted, 3u);
  EXPECT_EQ(notify::CountersOf({1, 2}, sender).token_requests_granted, 0u)
      << "a 1.2 plugin's vtable has no Counters slot";
  EXPECT_FALSE(notify::HasSenderCounters({1, 2}));
  EXPECT_TRUE(notify::HasSenderCounters(notify::kApiVersion));
}

}  // namespace
