// SaveRuleset, the one save path of `notify-host ruleset save`, the API's PUT
// and the settings page: the secret rules of docs/security.md ("Secrets and
// tokens") hold for all three alike, the prompt only where one is asked for.
#include "service/ruleset_save.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "state/ruleset_repository.hpp"
#include "test_state_dir.hpp"

namespace {

using namespace notify_host;
using notify_host::service_test::TestStateDir;

// A channel whose secret is needed only with credential = secret, as the
// Microsoft 365 channel's client_secret.
class TwoCredentialChannel : public notify::NotificationChannel {
 public:
  notify::ChannelInfo Info() const noexcept override {
    return {"two", "Two credentials", "1.0.0", ""};
  }
  std::vector<notify::FieldDescriptor> Fields() const noexcept override {
    return {{"host", "Host", notify::FieldType::kText, true},
            {"credential",
             "Credential",
             notify::FieldType::kChoice,
             false,
             "secret",
             {"secret", "certificate"}},
            {"secret", "Secret", notify::FieldType::kSecret, false}};
  }
  notify::ValidationReport Validate(const notify::Settings& s,
                                    const notify::ValidationOptions&) noexcept override {
    notify::ValidationReport r;
    auto get = [&](const char* k) { return s.count(k) ? s.at(k) : std::string(); };
    if (get("host").empty())
      r.issues.push_back({"host", notify::Severity::kError, "Host is required", "type it"});
    if (get("credential") != "certificate" && get("secret").empty())
      r.issues.push_back({"secret", notify::Severity::kError, "Secret is required", "type it"});
    return r;
  }
  notify::OpenResult Open(const notify::Settings&) noexcept override { return {}; }
};

class RulesetSave : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.plugins.channels.push_back(
        {"", "two", "Two credentials", "1.0.0", {}, std::make_shared<TwoCredentialChannel>()});
  }

  SaveOutcome Save(notify::Settings settings, decltype(SaveRequest::ask_secret) ask = nullptr) {
    SaveRequest request{"r1", &env_.plugins.channels[0], std::move(settings), "", true};
    request.ask_secret = std::move(ask);
    return SaveRuleset(env_, std::move(request));
  }

  std::optional<state::StoredRuleset> Stored() {
    auto tx = env_.state->BeginRead();
    return state::RulesetRepository(tx).Find("r1");
  }

  TestStateDir state_{"ruleset-save"};
  HostEnv& env_ = state_.env;
};

TEST_F(RulesetSave, AStoredSecretIsKeptOnlyWhenNothingElseChanged) {
  ASSERT_EQ(Save({{"host", "a.example"}, {"secret", "s1"}}).kind, SaveOutcome::Kind::kSaved);
  EXPECT_EQ(Save({{"host", "a.example"}}).kind, SaveOutcome::Kind::kSaved);
  EXPECT_EQ(Stored()->settings.at("secret"), "s1");

  auto moved = Save({{"host", "attacker.example"}});
  EXPECT_EQ(moved.kind, SaveOutcome::Kind::kRefused);
  ASSERT_FALSE(moved.report.issues.empty());
  EXPECT_EQ(moved.report.issues[0].field, "secret");
  EXPECT_EQ(Stored()->settings.at("host"), "a.example") << "nothing stored";
}

TEST_F(RulesetSave, AStoredSecretTheNewSettingsDoNotNeedIsDropped) {
  ASSERT_EQ(Save({{"host", "a.example"}, {"secret", "s1"}}).kind, SaveOutcome::Kind::kSaved);
  auto outcome = Save({{"host", "a.example"}, {"credential", "certificate"}});
  EXPECT_EQ(outcome.kind, SaveOutcome::Kind::kSaved);
  EXPECT_EQ(Stored()->settings.count("secret"), 0u);
}

TEST_F(RulesetSave, OnlyANeededSecretIsAskedForAndTheAnswerIsStored) {
  ASSERT_EQ(Save({{"host", "a.example"}, {"secret", "s1"}}).kind, SaveOutcome::Kind::kSaved);
  std::string asked;
  auto ask = [&](const notify::FieldDescriptor& field, const std::string& not_kept) {
    asked += field.key + " (" + not_kept + ")";
    return notify::sdk::StatusOr<std::string>(std::string("s2"));
  };
  EXPECT_EQ(Save({{"host", "a.example"}}, ask).kind, SaveOutcome::Kind::kSaved);
  EXPECT_EQ(asked, "") << "kept, not asked";
  EXPECT_EQ(Save({{"host", "b.example"}}, ask).kind, SaveOutcome::Kind::kSaved);
  EXPECT_EQ(asked, "secret (host)");
  EXPECT_EQ(Stored()->settings.at("secret"), "s2");

  auto unread =
      Save({{"host", "c.example"}}, [](const notify::FieldDescriptor&, const std::string&) {
        return notify::sdk::StatusOr<std::string>(notify::sdk::Status::Error("no secret typed"));
      });
  EXPECT_EQ(unread.kind, SaveOutcome::Kind::kSecretNotRead);
  EXPECT_EQ(unread.unread_secret, "no secret typed");
  EXPECT_EQ(Stored()->settings.at("host"), "b.example") << "nothing stored";
}

}  // namespace
