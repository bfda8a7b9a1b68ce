// A permanent token refusal (docs/delivery.md, Tokens): a wrong secret is
// asked about once, not once per chunk or per Deliver call, and once it is
// known no SMTP connection is opened for it (the first one, up to TLS, is
// what asked: a token is requested only once TLS is up); it is asked about
// again after the cool-down or at once for a new secret. The emulator counts the token requests and
// the connections; a manual clock moves the cool-down.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "common/clock.hpp"
#include "delivery_fixture.hpp"
#include "token/token_cache.hpp"

namespace m365::testing {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;

constexpr char kWrongSecret[] = "Wrong~Secret.Value_1234567890abcdefghijk";

class TokenRefusalTest : public DeliveryTest {
 protected:
  notify::Settings WrongSecretSettings() const {
    notify::Settings settings = Settings("small");  // 10 messages a chunk: many chunks
    settings["client_secret"] = kWrongSecret;
    return settings;
  }

  // Every result rejected with the token endpoint's cause, none quoting the secret.
  static void ExpectRefusedForTheSecret(const std::vector<DeliveryResult>& results) {
    for (const auto& r : results) {
      EXPECT_EQ(r.status, DeliveryStatus::kRejected) << r.detail;
      EXPECT_NE(r.detail.find("AADSTS7000215"), std::string::npos) << r.detail;
      EXPECT_EQ(r.detail.find(kWrongSecret), std::string::npos);
    }
  }

  // The process-wide token cache of the settings' app, made first on the
  // test's clock: the channel's senders find it (SharedTokenCache keeps the
  // clock it was made with) and give it their fetcher. Held by the caller.
  std::shared_ptr<TokenCache> CacheOnTheTestClock() {
    return SharedTokenCache(
        {emulator_->authority(), m365emu::kDemoTenantId, m365emu::kDemoClientId,
         "https://outlook.office365.com/.default"},
        []() -> notify::sdk::StatusOr<IssuedToken> {
          return notify::sdk::Status::Internal("replaced by the channel's");
        },
        "", clock_);
  }

  ManualClock clock_;
};

// The host sends a 10,000-line batch as 100 Deliver calls of 100 messages.
TEST_F(TokenRefusalTest, AWrongSecretIsAskedAboutOnceAndConnectsOnlyInTheFirstCall) {
  M365Channel channel(host_, clock_);
  auto opened = channel.Open(WrongSecretSettings());
  ASSERT_NE(opened.sender, nullptr);
  std::uint64_t first_call_connections = 0;
  for (int call = 0; call < 100; ++call) {
    auto results = opened.sender->Deliver(MakeMessages(100));
    ASSERT_EQ(results.size(), 100u);
    ExpectRefusedForTheSecret(results);
    if (::testing::Test::HasFailure()) break;
    if (call == 0) first_call_connections = emulator_->stats().smtp_connections;
  }
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
  // At most the first call's workers (up to 3) connected, up to TLS, where
  // the token is asked for; no call after it connects, and none logs in.
  EXPECT_LE(first_call_connections, 3u);
  EXPECT_EQ(emulator_->stats().smtp_connections, first_call_connections);
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
  EXPECT_TRUE(emulator_->received().empty());
}

TEST_F(TokenRefusalTest, TheRefusedSecretIsAskedAboutAgainOnlyAfterTheCoolDown) {
  auto cache = CacheOnTheTestClock();
  M365Channel channel(host_, clock_);
  auto opened = channel.Open(WrongSecretSettings());
  ASSERT_NE(opened.sender, nullptr);
  ExpectRefusedForTheSecret(opened.sender->Deliver(MakeMessages(3)));
  clock_.Advance(TokenCache::kRefusalCoolDown - std::chrono::seconds(1));
  ExpectRefusedForTheSecret(opened.sender->Deliver(MakeMessages(3)));
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
  clock_.Advance(std::chrono::seconds(1));
  ExpectRefusedForTheSecret(opened.sender->Deliver(MakeMessages(3)));
  EXPECT_EQ(emulator_->stats().token_requests, 2u);
  EXPECT_LE(emulator_->stats().smtp_connections, 2u);  // at most one for each request
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(TokenRefusalTest, ACorrectedSecretIsTriedAtOnceTheSameWrongOneIsNot) {
  M365Channel channel(host_, clock_);
  auto wrong = channel.Open(WrongSecretSettings());
  ASSERT_NE(wrong.sender, nullptr);
  ExpectRefusedForTheSecret(wrong.sender->Deliver(MakeMessages(3)));
  // Opened again with the same settings: still refused, without asking.
  auto again = channel.Open(WrongSecretSettings());
  ASSERT_NE(again.sender, nullptr);
  ExpectRefusedForTheSecret(again.sender->Deliver(MakeMessages(3)));
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
  // The administrator fixes the secret: the new settings are used at once.
  auto fixed = channel.Open(Settings("small"));
  ASSERT_NE(fixed.sender, nullptr);
  for (const auto& r : fixed.sender->Deliver(MakeMessages(3))) {
    EXPECT_EQ(r.status, DeliveryStatus::kDelivered) << r.detail;
  }
  EXPECT_EQ(emulator_->stats().token_requests, 2u);
  EXPECT_EQ(emulator_->received().size(), 3u);
}

}  // namespace
}  // namespace m365::testing
