// Sender health (API 1.1): the record keeps when a condition began, SenderBase
// keeps exceptions out of Health, and a host asks only plugins that have it.
#include <gtest/gtest.h>

#include <stdexcept>

#include "notify/host_api/channel.hpp"
#include "notify/sdk/health_record.hpp"
#include "notify/sdk/sender_base.hpp"

namespace {

using notify::HealthState;
using notify::SenderHealth;

class HealthySender : public notify::sdk::SenderBase {
 public:
  notify::sdk::HealthRecord record;
  bool throw_from_health = false;

 protected:
  std::vector<notify::DeliveryResult> DeliverBatch(const std::vector<notify::Message>&) override {
    return {};
  }
  SenderHealth ReportHealth() const override {
    if (throw_from_health) throw std::runtime_error("health broke");
    return record.Get();
  }
};

class SilentSender : public notify::sdk::SenderBase {
 protected:
  std::vector<notify::DeliveryResult> DeliverBatch(const std::vector<notify::Message>&) override {
    return {};
  }
};

TEST(HealthRecord, KeepsTheStartOfAConditionWhileItLasts) {
  notify::sdk::HealthRecord record;
  record.Set(HealthState::kFailing, "client secret expired", "create a new one", 100);
  record.Set(HealthState::kFailing, "client secret expired", "create a new one", 200);
  EXPECT_EQ(record.Get().since_unix_s, 100);
  record.Set(HealthState::kOk, "", "", 300);
  EXPECT_EQ(record.Get().state, HealthState::kOk);
  EXPECT_EQ(record.Get().since_unix_s, 300);
  EXPECT_TRUE(record.Get().cause.empty());
}

TEST(HealthRecord, KeepsTheCredentialExpiryBesideTheState) {
  notify::sdk::HealthRecord record;
  record.SetCredentialExpiry(1'900'000'000);
  record.Set(HealthState::kWarning, "certificate expires in 3 days", "renew it", 5);
  EXPECT_EQ(record.Get().credential_expires_unix_s, 1'900'000'000);
  EXPECT_EQ(record.Get().state, HealthState::kWarning);
}

TEST(SenderBaseHealth, ReportsWhatThePluginRecorded) {
  HealthySender sender;
  sender.record.Set(HealthState::kFailing, "token refused", "fix the secret", 7);
  SenderHealth health = sender.Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_EQ(health.cause, "token refused");
  EXPECT_EQ(health.remedy, "fix the secret");
}

TEST(SenderBaseHealth, AnExceptionBecomesUnknownWithTheReason) {
  HealthySender sender;
  sender.throw_from_health = true;
  SenderHealth health = sender.Health();
  EXPECT_EQ(health.state, HealthState::kUnknown);
  EXPECT_NE(health.cause.find("health broke"), std::string::npos);
}

TEST(SenderBaseHealth, APluginThatSaysNothingIsUnknown) {
  SilentSender sender;
  EXPECT_EQ(sender.Health().state, HealthState::kUnknown);
}

TEST(HealthOf, AsksOnlyPluginsBuiltForApi11OrNewer) {
  HealthySender sender;
  sender.record.Set(HealthState::kFailing, "token refused", "fix it", 7);
  EXPECT_EQ(notify::HealthOf({1, 1}, sender).state, HealthState::kFailing);
  SenderHealth old = notify::HealthOf({1, 0}, sender);
  EXPECT_EQ(old.state, HealthState::kUnknown);
  EXPECT_NE(old.cause.find("1.0"), std::string::npos);
}

TEST(HealthState, HasStableNames) {
  EXPECT_STREQ(notify::ToString(HealthState::kUnknown), "unknown");
  EXPECT_STREQ(notify::ToString(HealthState::kOk), "ok");
  EXPECT_STREQ(notify::ToString(HealthState::kWarning), "warning");
  EXPECT_STREQ(notify::ToString(HealthState::kFailing), "failing");
}

}  // namespace
