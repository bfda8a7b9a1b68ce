// The host's HostContext is thread-safe, as the host API promises: plugin
// threads log at once, and the log's channel never sees two writes overlap.
#include "poco_host_context.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Message.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "state/local_slot_service.hpp"

namespace {

// A channel that is not thread-safe itself and notices when it is used as if
// it were: it counts writes and overlapping writes.
class OverlapDetectingChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& message) override {
    if (inside_.fetch_add(1) != 0) overlaps_.fetch_add(1);
    last_ = message.getText();  // unsynchronized on purpose
    std::this_thread::yield();
    lines_.fetch_add(1);
    inside_.fetch_sub(1);
  }
  int lines() const { return lines_.load(); }
  int overlaps() const { return overlaps_.load(); }

 private:
  std::atomic<int> inside_{0};
  std::atomic<int> lines_{0};
  std::atomic<int> overlaps_{0};
  std::string last_;
};

TEST(PocoHostContext, LogIsSafeFromManyThreadsAtOnce) {
  Poco::AutoPtr<OverlapDetectingChannel> channel(new OverlapDetectingChannel);
  Poco::Logger& logger = Poco::Logger::get("notify.plugin.threads_test");
  logger.setChannel(channel);
  logger.setLevel(Poco::Message::PRIO_TRACE);
  constexpr int kThreads = 8;
  constexpr int kLines = 200;
  // Two contexts for two plugins sharing the channel, as under one root.
  notify_host::PocoHostContext a("threads_test");
  notify_host::PocoHostContext b("threads_test");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      notify::HostContext& context = t % 2 ? static_cast<notify::HostContext&>(a) : b;
      for (int i = 0; i < kLines; ++i)
        context.Log(notify::LogLevel::kInfo,
                    "thread " + std::to_string(t) + " line " + std::to_string(i));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(channel->lines(), kThreads * kLines);
  EXPECT_EQ(channel->overlaps(), 0);
  logger.setChannel(nullptr);
}

}  // namespace

namespace {

// A plugin asks for the slot service each time: none before `notify-host
// serve` offers one, then the one offered, in every plugin's context.
TEST(PocoHostContextTest, OffersTheSlotServiceOnceServeDoes) {
  notify_host::PocoHostContext first("slots-a");
  notify_host::PocoHostContext second("slots-b");
  EXPECT_EQ(first.Slots(), nullptr);
  notify_host::state::LocalSlotService slots;
  notify_host::PocoHostContext::OfferSlots(&slots);
  EXPECT_EQ(first.Slots(), &slots);
  EXPECT_EQ(second.Slots(), &slots);
  notify_host::PocoHostContext::OfferSlots(nullptr);
  EXPECT_EQ(first.Slots(), nullptr);
}

}  // namespace
