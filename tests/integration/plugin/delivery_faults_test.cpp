// Delivery when things go wrong: dropped connections, refused certificates,
// no STARTTLS, a stale token, throttling. Nothing may be lost: every message
// ends delivered, retry_later or rejected, and never twice in the spool.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "delivery/m365_sender.hpp"
#include "delivery_fixture.hpp"
#include "net/tls_context.hpp"
#include "settings/m365_config.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;

class DeliveryFaultsTest : public DeliveryTest {
 protected:
  // Every message in the spool once, none that was not reported delivered.
  void ExpectSpoolMatches(const std::vector<DeliveryResult>& results) {
    std::multiset<std::string> spooled;
    for (const auto& m : emulator_->received()) spooled.insert(Header(m.raw, "X-Alert-Number"));
    for (std::size_t i = 0; i < results.size(); ++i) {
      std::size_t expected = results[i].status == DeliveryStatus::kDelivered ? 1 : 0;
      EXPECT_EQ(spooled.count(std::to_string(i)), expected) << results[i].detail;
    }
  }
};

TEST_F(DeliveryFaultsTest, ServerDroppingAfterSomeMessagesLosesNothing) {
  m365emu::Faults faults;
  faults.smtp_drop_after_messages = 7;
  emulator_->SetFaults(faults);
  // No connections kept: with them, a worker that starts late may take over
  // another chunk's kept connection and the count below would depend on timing.
  notify::Settings settings = Settings();
  settings["keep_open_seconds"] = "0";
  auto results = DeliverWith(settings, MakeMessages(30));
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  EXPECT_EQ(emulator_->received().size(), 30u);
  ExpectSpoolMatches(results);
  // Spread over 3 chunks of 10 (docs/delivery.md, Batches, chunks and
  // connections), each cut after 7: (7 + 3) x 3.
  EXPECT_EQ(emulator_->stats().smtp_connections, 6u);
}

TEST_F(DeliveryFaultsTest, DropMidDataIsRetryLaterAndDeliveredOnTheRetry) {
  m365emu::Faults faults;
  faults.smtp_drop_mid_data = true;
  emulator_->SetFaults(faults);
  auto batch = MakeMessages(3);
  auto results = Deliver(batch);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
    EXPECT_FALSE(r.detail.empty());
  }
  EXPECT_EQ(emulator_->received().size(), 0u);

  emulator_->SetFaults({});  // the host retries later
  results = Deliver(batch);
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  ExpectSpoolMatches(results);
}

TEST_F(DeliveryFaultsTest, LostAfterDataBeforeTheReplyIsOutcomeUnknown) {
  m365emu::Faults faults;
  faults.smtp_drop_after_data = true;
  emulator_->SetFaults(faults);
  auto results = Deliver(MakeMessages(1));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DeliveryStatus::kRetryLater);
  EXPECT_NE(results[0].detail.find("outcome unknown"), std::string::npos) << results[0].detail;
}

TEST_F(DeliveryFaultsTest, WrongNameCertificateIsRefusedAndNoTokenSent) {
  m365emu::Faults faults;
  faults.smtp_certificate = m365emu::CertFault::kWrongName;
  emulator_->SetFaults(faults);
  auto results = Deliver(MakeMessages(3));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
    EXPECT_NE(r.detail.find("certificate"), std::string::npos) << r.detail;
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.auth_attempts, 0u);
  // transport auto asks Entra ID once, to decide the route (docs/delivery.md,
  // The route); the server never gets the token.
  EXPECT_LE(stats.token_requests, 1u);
  EXPECT_EQ(stats.smtp_connections, 1u);  // not retried within the batch
}

TEST_F(DeliveryFaultsTest, ServerWithoutStartTlsGetsNoToken) {
  m365emu::Faults faults;
  faults.smtp_no_starttls = true;
  emulator_->SetFaults(faults);
  auto results = Deliver(MakeMessages(2));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater);
    EXPECT_NE(r.detail.find("STARTTLS"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
  EXPECT_LE(emulator_->stats().token_requests, 1u) << "one, to decide the route; never sent";
}

// A token source whose cached token Exchange no longer accepts.
class StaleFirstTokenSource : public TokenSource {
 public:
  StaleFirstTokenSource(std::string stale, std::string fresh)
      : stale_(std::move(stale)), fresh_(std::move(fresh)) {}
  notify::sdk::StatusOr<std::string> Get() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return Ok(refreshed_ ? fresh_ : stale_);
  }
  notify::sdk::StatusOr<std::string> Refresh(const std::string& rejected) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++refreshes_;
    EXPECT_EQ(rejected, stale_);
    refreshed_ = true;
    return Ok(fresh_);
  }
  int refreshes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refreshes_;
  }

 private:
  static notify::sdk::StatusOr<std::string> Ok(const std::string& token) { return token; }

  mutable std::mutex mutex_;
  std::string stale_, fresh_;
  bool refreshed_ = false;
  int refreshes_ = 0;
};

TEST_F(DeliveryFaultsTest, RejectedCachedTokenIsRefreshedOnceAndTheConnectionRetried) {
  m365emu::MintOptions expired;
  expired.issued_at_offset_seconds = -7200;
  auto tokens = std::make_shared<StaleFirstTokenSource>(emulator_->MintToken(expired),
                                                        emulator_->MintToken());
  M365Config config = ResolveConfig(Settings());
  auto tls = MakeClientTlsContext(config.ca_file);
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  M365Sender sender(config, tls.value(), tokens, host_);
  auto results = sender.Deliver(MakeMessages(5));
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  EXPECT_EQ(tokens->refreshes(), 1);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.auth_attempts, 2u);
  EXPECT_EQ(stats.auth_successes, 1u);
  EXPECT_EQ(stats.smtp_connections, 1u);  // AUTH retried on the same connection
}

TEST_F(DeliveryFaultsTest, RefusedLoginIsRejectedWithTheServersReply) {
  m365emu::Config config = m365emu::DemoConfig();
  config.app().mailbox_permissions.clear();  // Add-MailboxPermission skipped
  StartEmulator(config);
  // One chunk, so one connection: parallel ones would each refresh once
  // (fewer than 20 messages are not spread over several connections).
  auto results = Deliver(MakeMessages(19), "large");
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRejected);
    EXPECT_EQ(r.code, 535);
    EXPECT_EQ(r.enhanced, "5.7.3");
  }
  m365emu::Stats stats = emulator_->stats();
  EXPECT_EQ(stats.token_requests, 2u);  // the first and one refresh after the 535
  EXPECT_EQ(stats.auth_attempts, 2u);   // not hammered: the batch is given up
  EXPECT_EQ(stats.smtp_connections, 1u);
}

TEST_F(DeliveryFaultsTest, ThrottledTokenEndpointGivesRetryLaterWithRetryAfter) {
  m365emu::Faults faults;
  faults.token_http_429_retry_after = 30;
  emulator_->SetFaults(faults);
  auto results = Deliver(MakeMessages(3));
  for (const auto& r : results) {
    EXPECT_EQ(r.status, DeliveryStatus::kRetryLater) << r.detail;
    EXPECT_EQ(r.retry_after_s, 30);
  }
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
}

TEST_F(DeliveryFaultsTest, ConnectionLimitIsPacedNotHammered) {
  m365emu::Config config = m365emu::DemoConfig();
  config.limits.connections_per_mailbox = 1;  // the 2nd and 3rd AUTH get 432 4.3.2
  StartEmulator(config);
  auto results = Deliver(MakeMessages(30), "small");
  for (const auto& r : results) EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  ExpectSpoolMatches(results);
  m365emu::Stats stats = emulator_->stats();
  EXPECT_LE(stats.max_concurrent_connections, 3u);
  EXPECT_LE(stats.smtp_connections, 9u);  // 3 chunks, a few paced retries
}

}  // namespace
}  // namespace m365::testing
