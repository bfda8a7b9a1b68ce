// ChannelBase: the field checks always run, before the plugin's own checks;
// live checks run only online and only on valid fields; an exception in any
// of the plugin's functions becomes a report issue, never an escape; and the
// sender Open returns keeps "one result per message".
#include "notify/sdk/channel_base.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using notify::CheckStep;
using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::FieldDescriptor;
using notify::FieldIssue;
using notify::Message;
using notify::Settings;
using notify::Severity;
using notify::StepOutcome;
using notify::ValidationMode;
using notify::ValidationOptions;
using notify::ValidationReport;

static_assert(noexcept(std::declval<notify::sdk::ChannelBase&>().Info()));
static_assert(noexcept(std::declval<notify::sdk::ChannelBase&>().Fields()));
static_assert(noexcept(std::declval<notify::sdk::ChannelBase&>().Validate({}, {})));
static_assert(noexcept(std::declval<notify::sdk::ChannelBase&>().Open({})));

// Where the test channel throws.
enum class Throw { kNowhere, kDescribe, kForm, kCheckSettings, kLiveChecks, kMakeSender };

// Returns one result: for the first message only.
class ForgetfulSender : public notify::sdk::SenderBase {
 protected:
  std::vector<DeliveryResult> DeliverBatch(const std::vector<Message>& batch) override {
    return {{batch.front().id, DeliveryStatus::kDelivered}};
  }
};

// A channel with one required field "name" and one integer "port", whose own
// check refuses the name "taken", and which records what ran.
class TestChannel : public notify::sdk::ChannelBase {
 public:
  Throw throw_in = Throw::kNowhere;
  bool sender_despite_error = false;  // MakeSender appends an error yet returns a sender
  bool null_sender_silently = false;  // MakeSender returns nullptr without a reason
  mutable std::vector<std::string> calls;
  mutable std::vector<FieldIssue> issues_seen_by_check;

 protected:
  notify::ChannelInfo Describe() const override {
    Maybe(Throw::kDescribe);
    return {"test", "Test", "1.0.0", "a test channel"};
  }
  std::vector<FieldDescriptor> Form() const override {
    Maybe(Throw::kForm);
    FieldDescriptor name{"name", "Name", notify::FieldType::kText, true};
    FieldDescriptor port{"port", "Port", notify::FieldType::kInteger};
    port.min = 1;
    port.max = 65535;
    return {name, port};
  }
  void CheckSettings(const Settings& settings, std::vector<FieldIssue>& issues) const override {
    calls.push_back("CheckSettings");
    issues_seen_by_check = issues;
    Maybe(Throw::kCheckSettings);
    auto it = settings.find("name");
    if (it != settings.end() && it->second == "taken")
      issues.push_back({"name", Severity::kError, "Name: taken", "Choose another name."});
    if (it != settings.end() && it->second == "odd")
      issues.push_back({"name", Severity::kWarning, "Name: odd", "Consider another name."});
  }
  std::vector<CheckStep> RunLiveChecks(const Settings&, const ValidationOptions&) override {
    calls.push_back("RunLiveChecks");
    Maybe(Throw::kLiveChecks);
    return {{"ping", StepOutcome::kPassed, 1, "pong", ""}};
  }
  std::unique_ptr<notify::sdk::SenderBase> MakeSender(const Settings&,
                                                      ValidationReport& report) override {
    calls.push_back("MakeSender");
    Maybe(Throw::kMakeSender);
    if (null_sender_silently) return nullptr;
    if (sender_despite_error)
      report.steps.push_back({"connect", StepOutcome::kFailed, 0, "refused", "Check the port."});
    return std::make_unique<ForgetfulSender>();
  }

 private:
  void Maybe(Throw where) const {
    if (throw_in == where) throw std::runtime_error("boom");
  }
};

const ValidationOptions kOnline{ValidationMode::kOnline, ""};
const ValidationOptions kOffline{ValidationMode::kOffline, ""};
const Settings kValid{{"name", "alpha"}, {"port", "25"}};

bool HasInternalError(const ValidationReport& report) {
  for (const auto& i : report.issues) {
    if (i.severity == Severity::kError && i.message == "internal error: boom" && !i.field.empty() &&
        !i.remedy.empty())
      return true;
  }
  return false;
}

int Count(const std::vector<std::string>& calls, const std::string& name) {
  return static_cast<int>(std::count(calls.begin(), calls.end(), name));
}

TEST(ChannelBase, ValidSettingsPassOnlineWithTheLiveChecks) {
  TestChannel channel;
  auto report = channel.Validate(kValid, kOnline);
  EXPECT_TRUE(report.ok());
  ASSERT_EQ(report.steps.size(), 1u);
  EXPECT_EQ(report.steps[0].name, "ping");
}

TEST(ChannelBase, FieldChecksRunBeforeThePluginsOwnChecks) {
  TestChannel channel;
  auto report = channel.Validate({{"name", "taken"}, {"port", "0"}}, kOffline);
  ASSERT_EQ(report.issues.size(), 2u);
  EXPECT_EQ(report.issues[0].field, "port") << "the generic range check comes first";
  EXPECT_EQ(report.issues[1].message, "Name: taken");
  ASSERT_EQ(channel.issues_seen_by_check.size(), 1u) << "CheckSettings sees the generic issues";
  EXPECT_EQ(channel.issues_seen_by_check[0].field, "port");
}

TEST(ChannelBase, UnknownKeysAndMissingRequiredFieldsAreReportedWithoutPluginCode) {
  TestChannel channel;
  auto report = channel.Validate({{"colour", "red"}}, kOffline);
  EXPECT_FALSE(report.ok());
  bool named_name = false, named_colour = false;
  for (const auto& i : report.issues) {
    named_name = named_name || i.field == "name";
    named_colour = named_colour || i.field == "colour";
  }
  EXPECT_TRUE(named_name);
  EXPECT_TRUE(named_colour);
}

TEST(ChannelBase, LiveChecksDoNotRunOnAGenericFieldError) {
  TestChannel channel;
  auto report = channel.Validate({{"port", "70000"}}, kOnline);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.steps.empty());
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 0);
}

TEST(ChannelBase, LiveChecksDoNotRunOnThePluginsOwnFieldError) {
  TestChannel channel;
  auto report = channel.Validate({{"name", "taken"}}, kOnline);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 0);
}

TEST(ChannelBase, LiveChecksDoNotRunOffline) {
  TestChannel channel;
  auto report = channel.Validate(kValid, kOffline);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.steps.empty());
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 0);
}

TEST(ChannelBase, LiveChecksRunDespiteAWarning) {
  TestChannel channel;
  auto report = channel.Validate({{"name", "odd"}}, kOnline);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 1);
}

TEST(ChannelBase, OpenRunsTheFieldChecksAndNoLiveChecks) {
  TestChannel channel;
  auto opened = channel.Open({{"name", "taken"}});
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_FALSE(opened.report.ok());
  EXPECT_EQ(Count(channel.calls, "MakeSender"), 0) << "no sender for settings with errors";
  opened = channel.Open(kValid);
  EXPECT_NE(opened.sender, nullptr);
  EXPECT_TRUE(opened.report.ok());
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 0);
}

TEST(ChannelBase, OpenGivesNoSenderWithAFailedReport) {
  TestChannel channel;
  channel.sender_despite_error = true;
  auto opened = channel.Open(kValid);
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_FALSE(opened.report.ok());
}

TEST(ChannelBase, ANullSenderWithoutAReasonIsReported) {
  TestChannel channel;
  channel.null_sender_silently = true;
  auto opened = channel.Open(kValid);
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_FALSE(opened.report.ok()) << "Open never fails without saying why";
}

TEST(ChannelBase, TheOpenedSenderGivesOneResultPerMessage) {
  TestChannel channel;
  auto opened = channel.Open(kValid);
  ASSERT_NE(opened.sender, nullptr);
  std::vector<Message> batch(3);
  for (int i = 0; i < 3; ++i) batch[i].id = "m" + std::to_string(i);
  auto results = opened.sender->Deliver(batch);
  ASSERT_EQ(results.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(results[i].id, batch[i].id);
  EXPECT_EQ(results[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(results[2].status, DeliveryStatus::kRetryLater);
}

TEST(ChannelBase, AnExceptionInDescribeGivesAMinimalInfo) {
  TestChannel channel;
  channel.throw_in = Throw::kDescribe;
  auto info = channel.Info();
  EXPECT_NE(info.description.find("internal error: boom"), std::string::npos);
}

TEST(ChannelBase, AnExceptionInFormGivesNoFieldsAndAnInternalError) {
  TestChannel channel;
  channel.throw_in = Throw::kForm;
  EXPECT_TRUE(channel.Fields().empty());
  EXPECT_TRUE(HasInternalError(channel.Validate(kValid, kOnline)));
  auto opened = channel.Open(kValid);
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_TRUE(HasInternalError(opened.report));
}

TEST(ChannelBase, AnExceptionInCheckSettingsKeepsTheGenericIssues) {
  TestChannel channel;
  channel.throw_in = Throw::kCheckSettings;
  auto report = channel.Validate({{"port", "x"}}, kOnline);
  EXPECT_TRUE(HasInternalError(report));
  bool port_reported = false;
  for (const auto& i : report.issues) port_reported = port_reported || i.field == "port";
  EXPECT_TRUE(port_reported);
  EXPECT_EQ(Count(channel.calls, "RunLiveChecks"), 0);
  auto opened = channel.Open(kValid);
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_TRUE(HasInternalError(opened.report));
}

TEST(ChannelBase, AnExceptionInTheLiveChecksIsAnInternalError) {
  TestChannel channel;
  channel.throw_in = Throw::kLiveChecks;
  auto report = channel.Validate(kValid, kOnline);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(HasInternalError(report));
}

TEST(ChannelBase, AnExceptionInMakeSenderIsAnInternalError) {
  TestChannel channel;
  channel.throw_in = Throw::kMakeSender;
  auto opened = channel.Open(kValid);
  EXPECT_EQ(opened.sender, nullptr);
  EXPECT_TRUE(HasInternalError(opened.report));
}

}  // namespace
