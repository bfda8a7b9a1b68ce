#pragma once
// Conformance tests any channel plugin can run against itself:
//
//   NOTIFY_CHANNEL_CONFORMANCE_TESTS(MyChannelConformance,
//       [](notify::HostContext& h) { return std::make_unique<MyChannel>(h); },
//       [] { return notify::Settings{{"directory", "/tmp/x"}}; });
//
// The settings function returns settings that pass offline validation.
// Every test works without a network. ExpectOneResultPerMessage is also
// there for a plugin's own delivery tests.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>

#include "notify/host_api/host_api.hpp"
#include "notify/sdk/settings.hpp"
#include "notify/sdk/testing/fake_host.hpp"

namespace notify::sdk::testing {

using ChannelMaker = std::function<std::unique_ptr<NotificationChannel>(HostContext&)>;
using SettingsMaker = std::function<Settings()>;

// Shared checks; each returns through gtest assertions.
inline void ExpectWellFormedForm(NotificationChannel& channel) {
  auto fields = channel.Fields();
  ASSERT_FALSE(fields.empty()) << "a channel has at least one setting";
  std::set<std::string> keys;
  for (const auto& f : fields) {
    EXPECT_FALSE(f.key.empty());
    EXPECT_TRUE(keys.insert(f.key).second) << "duplicate key " << f.key;
    EXPECT_FALSE(f.label.empty()) << f.key << " has no label";
    EXPECT_FALSE(f.help.empty()) << f.key << " has no help text";
    if (f.type == FieldType::kChoice) EXPECT_FALSE(f.choices.empty()) << f.key;
    if (f.type == FieldType::kSecret) EXPECT_TRUE(f.default_value.empty()) << f.key;
    if (!f.default_value.empty()) {
      // A default must itself pass the field's rules.
      auto issues = CheckFields({f}, Settings{{f.key, f.default_value}});
      EXPECT_TRUE(issues.empty()) << f.key << " default '" << f.default_value << "' is invalid";
    }
  }
}

// Expects what the Sender contract promises: exactly one result per message
// of `batch`, in the same order, each with its message's id.
inline void ExpectOneResultPerMessage(const std::vector<Message>& batch,
                                      const std::vector<DeliveryResult>& results) {
  ASSERT_EQ(results.size(), batch.size()) << "one result per message";
  for (std::size_t i = 0; i < batch.size(); ++i)
    EXPECT_EQ(results[i].id, batch[i].id) << "result " << i << " is not for message " << i;
}

// A message to someone@example.com with subject "conformance <n>".
inline Message ConformanceMessage(const std::string& id, int n) {
  Message m;
  m.id = id;
  m.to = {"someone@example.com"};
  m.subject = "conformance " + std::to_string(n);
  m.text_body = "hello";
  return m;
}

inline std::string ReportText(const ValidationReport& r) {
  std::string out;
  for (const auto& i : r.issues) out += i.field + " " + i.message + " " + i.remedy + "\n";
  for (const auto& s : r.steps) out += s.name + " " + s.detail + " " + s.remedy + "\n";
  return out;
}

}  // namespace notify::sdk::testing

#define NOTIFY_CHANNEL_CONFORMANCE_TESTS(Suite, make_channel, make_valid_settings)             \
  class Suite : public ::testing::Test {                                                       \
   protected:                                                                                  \
    ::notify::sdk::testing::FakeHostContext host_;                                             \
    std::unique_ptr<::notify::NotificationChannel> channel_ =                                  \
        ::notify::sdk::testing::ChannelMaker(make_channel)(host_);                             \
    ::notify::Settings valid_ = ::notify::sdk::testing::SettingsMaker(make_valid_settings)();  \
  };                                                                                           \
  TEST_F(Suite, InfoNamesTheChannel) {                                                         \
    auto info = channel_->Info();                                                              \
    EXPECT_FALSE(info.id.empty());                                                             \
    EXPECT_FALSE(info.display_name.empty());                                                   \
    EXPECT_FALSE(info.version.empty());                                                        \
  }                                                                                            \
  TEST_F(Suite, FormIsWellFormed) { ::notify::sdk::testing::ExpectWellFormedForm(*channel_); } \
  TEST_F(Suite, ValidSettingsPassOfflineWithoutLiveSteps) {                                    \
    auto report = channel_->Validate(valid_, {::notify::ValidationMode::kOffline, ""});        \
    EXPECT_TRUE(report.ok()) << ::notify::sdk::testing::ReportText(report);                    \
    EXPECT_TRUE(report.steps.empty()) << "offline validation must not run live checks";        \
  }                                                                                            \
  TEST_F(Suite, EveryRequiredFieldIsReportedAtOnce) {                                          \
    auto report = channel_->Validate({}, {::notify::ValidationMode::kOnline, ""});             \
    EXPECT_FALSE(report.ok());                                                                 \
    EXPECT_TRUE(report.steps.empty()) << "no live check runs on bad fields";                   \
    for (const auto& f : channel_->Fields()) {                                                 \
      if (!f.required) continue;                                                               \
      bool named = false;                                                                      \
      for (const auto& i : report.issues) named = named || i.field == f.key;                   \
      EXPECT_TRUE(named) << "missing required field " << f.key << " not reported";             \
    }                                                                                          \
    for (const auto& i : report.issues) EXPECT_FALSE(i.remedy.empty()) << i.field;             \
  }                                                                                            \
  TEST_F(Suite, UnknownKeyIsReported) {                                                        \
    auto s = valid_;                                                                           \
    s["no_such_setting"] = "1";                                                                \
    auto report = channel_->Validate(s, {::notify::ValidationMode::kOffline, ""});             \
    EXPECT_FALSE(report.ok());                                                                 \
  }                                                                                            \
  TEST_F(Suite, OpenRefusesInvalidSettings) {                                                  \
    auto opened = channel_->Open({});                                                          \
    EXPECT_EQ(opened.sender, nullptr);                                                         \
    EXPECT_FALSE(opened.report.ok());                                                          \
  }                                                                                            \
  TEST_F(Suite, DeliverGivesOneResultPerMessageInOrder) {                                      \
    auto opened = channel_->Open(valid_);                                                      \
    ASSERT_NE(opened.sender, nullptr) << ::notify::sdk::testing::ReportText(opened.report);    \
    EXPECT_TRUE(opened.sender->Deliver({}).empty());                                           \
    std::vector<::notify::Message> batch;                                                      \
    for (int i = 0; i < 3; ++i)                                                                \
      batch.push_back(::notify::sdk::testing::ConformanceMessage("m" + std::to_string(i), i)); \
    batch[1].to.clear(); /* a message with no recipient still gets its result */               \
    auto results = opened.sender->Deliver(batch);                                              \
    ::notify::sdk::testing::ExpectOneResultPerMessage(batch, results);                         \
    if (results.size() == batch.size())                                                        \
      EXPECT_EQ(results[1].status, ::notify::DeliveryStatus::kRejected);                       \
  }                                                                                            \
  TEST_F(Suite, DeliverKeepsMessagesWithTheSameIdApart) {                                      \
    /* Ids are the host's and need not be unique: results go by position. */                   \
    auto opened = channel_->Open(valid_);                                                      \
    ASSERT_NE(opened.sender, nullptr) << ::notify::sdk::testing::ReportText(opened.report);    \
    std::vector<::notify::Message> batch = {                                                   \
        ::notify::sdk::testing::ConformanceMessage("same", 0),                                 \
        ::notify::sdk::testing::ConformanceMessage("same", 1)};                                \
    batch[1].to.clear();                                                                       \
    auto results = opened.sender->Deliver(batch);                                              \
    ::notify::sdk::testing::ExpectOneResultPerMessage(batch, results);                         \
    if (results.size() == batch.size())                                                        \
      EXPECT_EQ(results[1].status, ::notify::DeliveryStatus::kRejected);                       \
  }                                                                                            \
  TEST_F(Suite, HealthOfAFreshSenderIsNotFailing) {                                            \
    /* Opened, nothing delivered: nothing can have been refused yet. */                        \
    auto opened = channel_->Open(valid_);                                                      \
    ASSERT_NE(opened.sender, nullptr) << ::notify::sdk::testing::ReportText(opened.report);    \
    auto health = ::notify::HealthOf(::notify::kApiVersion, *opened.sender);                   \
    EXPECT_NE(health.state, ::notify::HealthState::kFailing) << health.cause;                  \
  }                                                                                            \
  TEST_F(Suite, CountersOfAFreshSenderAreZero) {                                               \
    /* Opened, nothing delivered: no token can have been requested yet. */                     \
    auto opened = channel_->Open(valid_);                                                      \
    ASSERT_NE(opened.sender, nullptr) << ::notify::sdk::testing::ReportText(opened.report);    \
    auto counters = ::notify::CountersOf(::notify::kApiVersion, *opened.sender);               \
    EXPECT_EQ(counters.token_requests_granted + counters.token_requests_refused +              \
                  counters.token_requests_failed,                                              \
              0u);                                                                             \
  }                                                                                            \
  TEST_F(Suite, SecretsStayOutOfReportsResultsAndLogs) {                                       \
    /* Offline and online validation, Open and Deliver: whatever each says  */                 \
    /* (the live checks may fail: there is no network), no secret is in it. */                 \
    auto s = valid_;                                                                           \
    s["no_such_setting"] = "1";                                                                \
    std::string text = ::notify::sdk::testing::ReportText(                                     \
        channel_->Validate(s, {::notify::ValidationMode::kOffline, ""}));                      \
    text += ::notify::sdk::testing::ReportText(                                                \
        channel_->Validate(valid_, {::notify::ValidationMode::kOnline, "a@example.com"}));     \
    auto opened = channel_->Open(valid_);                                                      \
    text += ::notify::sdk::testing::ReportText(opened.report);                                 \
    if (opened.sender) {                                                                       \
      auto m = ::notify::sdk::testing::ConformanceMessage("leak", 0);                          \
      for (const auto& r : opened.sender->Deliver({m})) text += r.detail + "\n";               \
      auto health = opened.sender->Health();                                                   \
      text += health.cause + "\n" + health.remedy + "\n";                                      \
    }                                                                                          \
    text += host_.AllText();                                                                   \
    for (const auto& f : channel_->Fields()) {                                                 \
      if (f.type != ::notify::FieldType::kSecret) continue;                                    \
      auto it = valid_.find(f.key);                                                            \
      if (it == valid_.end() || it->second.empty()) continue;                                  \
      EXPECT_EQ(text.find(it->second), std::string::npos) << f.key << " leaked";               \
    }                                                                                          \
  }
