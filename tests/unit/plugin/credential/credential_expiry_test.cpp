// Credential expiry: Save's warnings and errors, the daily log warning, and
// the health it implies, all on a driven calendar.
#include "credential/credential_expiry.hpp"

#include <gtest/gtest.h>

namespace {

using m365::CredentialExpiry;
using std::chrono::hours;
using std::chrono::system_clock;

const system_clock::time_point kExpires = system_clock::from_time_t(1893456000);  // 2030-01-01

system_clock::time_point DaysBefore(int days) { return kExpires - hours(24 * days); }

TEST(ParseExpiryDate, TakesTheStartOfThatDayUtc) {
  auto parsed = m365::ParseExpiryDate("2030-01-01");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, kExpires);
}

TEST(ParseExpiryDate, RefusesWhatIsNotADay) {
  for (const char* bad :
       {"2030-1-01", "01/01/2030", "2030-02-30", "2030-13-01", "", "2030-01-01x", "tomorrow"})
    EXPECT_FALSE(m365::ParseExpiryDate(bad).has_value()) << bad;
}

TEST(ExpiryIssue, NothingWhileMoreThan30DaysRemain) {
  EXPECT_FALSE(m365::ExpiryIssue(m365::SecretExpiry(kExpires), DaysBefore(31)).has_value());
}

TEST(ExpiryIssue, WarnsWithTheDaysLeftFrom30DaysBefore) {
  auto issue = m365::ExpiryIssue(m365::SecretExpiry(kExpires), DaysBefore(30) + hours(1));
  ASSERT_TRUE(issue.has_value());
  EXPECT_EQ(issue->severity, notify::Severity::kWarning);
  EXPECT_EQ(issue->field, "secret_expires");
  EXPECT_NE(issue->message.find("2030-01-01 (in 29 days)"), std::string::npos) << issue->message;
  EXPECT_NE(issue->remedy.find("New client secret"), std::string::npos);
}

TEST(ExpiryIssue, AnExpiredCredentialIsAnErrorWithTheStepsToReplaceIt) {
  auto issue = m365::ExpiryIssue(m365::SecretExpiry(kExpires), kExpires + hours(1));
  ASSERT_TRUE(issue.has_value());
  EXPECT_EQ(issue->severity, notify::Severity::kError);
  EXPECT_NE(issue->message.find("expired on 2030-01-01"), std::string::npos);
  EXPECT_NE(issue->remedy.find("Certificates & secrets"), std::string::npos);
}

TEST(ExpiryWatch, WarnsOnceADayWhileFewerThan30DaysRemain) {
  m365::ExpiryWatch watch(m365::SecretExpiry(kExpires));
  EXPECT_EQ(watch.DueWarning(DaysBefore(31)), "");
  auto now = DaysBefore(20);
  EXPECT_NE(watch.DueWarning(now).find("in 20 days"), std::string::npos);
  EXPECT_EQ(watch.DueWarning(now + hours(1)), "");
  EXPECT_EQ(watch.DueWarning(now + hours(23)), "");
  EXPECT_NE(watch.DueWarning(now + hours(24)).find("in 19 days"), std::string::npos);
  int warnings = 0;
  for (int h = 25; h <= 24 * 10; ++h) warnings += watch.DueWarning(now + hours(h)).empty() ? 0 : 1;
  EXPECT_EQ(warnings, 9);  // days 2 to 10 after the first, one each
}

TEST(ExpiryWatch, WithoutAKnownExpiryNeverWarns) {
  m365::ExpiryWatch watch(std::nullopt);
  EXPECT_EQ(watch.DueWarning(kExpires), "");
  EXPECT_EQ(watch.Health(kExpires).state, notify::HealthState::kOk);
}

TEST(ExpiryWatch, HealthTurnsWarningThenFailing) {
  m365::ExpiryWatch watch(m365::SecretExpiry(kExpires));
  EXPECT_EQ(watch.Health(DaysBefore(40)).state, notify::HealthState::kOk);
  auto soon = watch.Health(DaysBefore(5));
  EXPECT_EQ(soon.state, notify::HealthState::kWarning);
  EXPECT_NE(soon.cause.find("in 5 days"), std::string::npos);
  EXPECT_EQ(soon.credential_expires_unix_s, 1893456000);
  auto gone = watch.Health(kExpires + hours(1));
  EXPECT_EQ(gone.state, notify::HealthState::kFailing);
  EXPECT_FALSE(gone.remedy.empty());
}

}  // namespace
