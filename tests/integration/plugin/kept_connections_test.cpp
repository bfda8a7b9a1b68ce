// Connections kept open between Deliver calls (docs/delivery.md, Connections
// kept between calls), against the in-process emulator, which counts the
// connections it accepted and the replies it sent.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "delivery/kept_connections.hpp"
#include "delivery/mailbox_slots.hpp"
#include "delivery_fixture.hpp"
#include "notify/test_support/wait_until.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryStatus;
using notify::test_support::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;

class KeptConnectionsTest : public DeliveryTest {
 protected:
  // A sender on `clock` with keep_open_seconds = `keep_open`.
  std::unique_ptr<notify::Sender> OpenSender(M365Channel& channel, int keep_open = 60,
                                             const std::string& batch_size = "medium") {
    notify::Settings settings = Settings(batch_size);
    settings["keep_open_seconds"] = std::to_string(keep_open);
    notify::OpenResult opened = channel.Open(settings);
    EXPECT_NE(opened.sender, nullptr);
    return std::move(opened.sender);
  }

  static void ExpectDelivered(const std::vector<notify::DeliveryResult>& results) {
    for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  }

  std::uint64_t Replies(const std::string& key) {
    return emulator_->stats().smtp_reply_counts[key];
  }

  ManualClock clock_;
};

TEST_F(KeptConnectionsTest, ASecondCallWithinTheIdleTimeOpensNoNewConnection) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  clock_.Advance(seconds(59));
  ExpectDelivered(sender->Deliver({MakeMessage(2)}));
  ExpectDelivered(sender->Deliver({MakeMessage(3)}));
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_connections, 1u);
  EXPECT_EQ(stats.auth_successes, 1u);
  EXPECT_EQ(Replies("221 2.0.0"), 0u) << "no QUIT while the connection is kept";
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].connection, received[2].connection);
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 1) << "the kept connection holds its slot";
  sender.reset();
  EXPECT_EQ(Replies("221 2.0.0"), 1u) << "a sender that goes says QUIT on its kept connection";
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 0);
}

TEST_F(KeptConnectionsTest, AfterTheIdleTimeTheNextCallQuitsItAndConnectsAnew) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel, 30);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  clock_.Advance(seconds(30));
  ExpectDelivered(sender->Deliver({MakeMessage(2)}));
  EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
  EXPECT_EQ(Replies("221 2.0.0"), 1u) << "the idle connection was ended with QUIT";
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 1);
}

TEST_F(KeptConnectionsTest, TheReaperQuitsAnIdleConnectionWithoutAnotherCall) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel, 30);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  clock_.Advance(seconds(29));
  // The reaper looks every second of real time; nothing is due yet.
  EXPECT_EQ(ConnectionKeeper::Shared()->CloseExpired(), 0u);
  EXPECT_EQ(Replies("221 2.0.0"), 0u);
  clock_.Advance(seconds(1));
  EXPECT_TRUE(WaitUntil([&] { return Replies("221 2.0.0") == 1u; }, seconds(20)))
      << "the shared reaper did not QUIT the idle connection";
  EXPECT_TRUE(WaitUntil([&] { return MailboxSlot::InUse(m365emu::kDemoMailbox) == 0; },
                        seconds(5)));
  EXPECT_EQ(emulator_->stats().smtp_connections, 1u);
}

TEST_F(KeptConnectionsTest, AConnectionTheServerClosedWhileIdleIsReplacedUnnoticed) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  m365emu::Faults idle;
  idle.smtp_idle_timeout_seconds = 1;  // applies to the open session's next read
  emulator_->SetFaults(idle);
  // The session reads its faults again after each command: one more message
  // makes the 1 s idle timeout apply to the kept connection.
  ExpectDelivered(sender->Deliver({MakeMessage(2)}));
  ASSERT_TRUE(WaitUntil([&] { return Replies("421 4.4.1") == 1u; }, seconds(20)));
  emulator_->SetFaults({});
  auto results = sender->Deliver({MakeMessage(3)});
  ExpectDelivered(results);
  EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
  ASSERT_EQ(emulator_->received().size(), 3u) << "no message sent twice, none lost";
  EXPECT_EQ(host_.AllText().find("giving up"), std::string::npos);
}

TEST_F(KeptConnectionsTest, AResetWhileIdleIsReplacedUnnoticed) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel);
  m365emu::Faults drop;
  drop.smtp_drop_after_messages = 1;  // the server closes after accepting one message
  emulator_->SetFaults(drop);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  emulator_->SetFaults({});
  ExpectDelivered(sender->Deliver({MakeMessage(2)}));
  EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
  EXPECT_EQ(emulator_->received().size(), 2u);
}

TEST_F(KeptConnectionsTest, IdleConnectionsGiveTheirSlotsToAnotherSenderOfTheMailbox) {
  M365Channel channel(host_, clock_);
  // Three senders of the mailbox each keep one connection: every slot held.
  std::vector<std::unique_ptr<notify::Sender>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(OpenSender(channel));
    ExpectDelivered(idle.back()->Deliver({MakeMessage(i)}));
  }
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 3);
  auto fourth = OpenSender(channel);
  ExpectDelivered(fourth->Deliver({MakeMessage(100)}));
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.smtp_reply_counts["432 4.3.2"], 0u);
  EXPECT_LE(stats.max_concurrent_connections, 3u);
  EXPECT_EQ(stats.smtp_connections, 4u);
  EXPECT_EQ(Replies("221 2.0.0"), 1u) << "one idle connection gave its slot up with QUIT";
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 3);
}

TEST_F(KeptConnectionsTest, AConnectionCarriesNoMoreThanTheBatchSizeOverSeveralCalls) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel, 60, "small");
  for (int call = 0; call < 3; ++call) {
    std::vector<notify::Message> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(MakeMessage(call * 4 + i));
    ExpectDelivered(sender->Deliver(batch));
  }
  // 12 messages of at most 10 per connection: the first carried 10.
  EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
  EXPECT_EQ(Replies("221 2.0.0"), 1u);
}

TEST_F(KeptConnectionsTest, ZeroKeepsNothingOpen) {
  M365Channel channel(host_, clock_);
  auto sender = OpenSender(channel, 0);
  ExpectDelivered(sender->Deliver({MakeMessage(1)}));
  EXPECT_EQ(Replies("221 2.0.0"), 1u);
  EXPECT_EQ(MailboxSlot::InUse(m365emu::kDemoMailbox), 0);
  ExpectDelivered(sender->Deliver({MakeMessage(2)}));
  EXPECT_EQ(emulator_->stats().smtp_connections, 2u);
}

}  // namespace
}  // namespace m365::testing
