// The certificate credential against the in-process emulator
// (docs/channel-settings.md, Certificate credential; Credential expiry):
// Save and delivery with no secret, the token step naming the thumbprint of
// a wrong certificate, clock skew, expiry warnings on a driven calendar and
// the sender's health. Certificates are made at run time.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "channel/m365_channel.hpp"
#include "common/clock.hpp"
#include "credential/client_certificate.hpp"
#include "emulator_settings.hpp"
#include "m365emu/client_certificates.hpp"
#include "m365emu/emulator.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/sdk/testing/fake_host.hpp"

namespace {

using notify::HealthState;
using notify::StepOutcome;
using std::chrono::hours;

// The error lines the sender's health logged: one per new cause
// (docs/delivery.md, Health).
int HealthErrorLines(const notify::sdk::testing::FakeHostContext& host) {
  int errors = 0;
  for (const auto& line : host.lines())
    errors +=
        line.level == notify::LogLevel::kError && line.text.find("health:") != std::string::npos;
  return errors;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The base64 body of a PEM block (a line of the key), for leak checks.
std::string KeyLine(const std::string& key_file) {
  std::istringstream in(ReadFile(key_file));
  std::string line;
  std::getline(in, line);  // -----BEGIN
  std::getline(in, line);
  return line;
}

class CertificateCredentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        ::testing::TempDir() + "m365_certificate_" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    registered_ = new m365emu::ClientCertificateFiles(
        m365emu::MakeClientCertificate(*dir_ + "/certs", "registered"));
    emulator_ = new m365emu::Emulator(Config(), *dir_);
  }
  static void TearDownTestSuite() {
    delete emulator_;
    delete registered_;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);  // nothing left in $TMPDIR
    delete dir_;
  }
  static m365emu::Config Config() {
    m365emu::Config c = m365emu::DemoConfig();
    c.app().certificates.push_back(registered_->cert_pem);
    return c;
  }
  void SetUp() override {
    emulator_->SetConfig(Config());
    emulator_->SetFaults({});
    emulator_->ResetCounters();
    clock_.SetWallNow(std::chrono::system_clock::now());
  }

  notify::Settings Settings(const std::string& pem_file) const {
    notify::Settings s = m365::testing::EmulatorSettings(*emulator_, "Contoso emulator");
    s.erase("client_secret");
    s["credential"] = "certificate";
    s["certificate_file"] = pem_file;
    return s;
  }

  notify::ValidationReport Save(const notify::Settings& settings) {
    m365::M365Channel channel(host_, clock_);
    report_ = channel.Validate(settings, {notify::ValidationMode::kOnline, ""});
    text_ = notify::sdk::testing::ReportText(report_) + host_.AllText();
    // The private key never appears in any output.
    EXPECT_EQ(text_.find(KeyLine(registered_->key_file)), std::string::npos);
    EXPECT_EQ(text_.find("PRIVATE KEY"), std::string::npos);
    return report_;
  }
  const notify::CheckStep* Step(const std::string& name) const {
    for (const auto& s : report_.steps)
      if (s.name == name) return &s;
    return nullptr;
  }
  std::string Thumbprint(const std::string& pem) const {
    return m365::ClientCertificate::Load(pem).value()->facts().sha1_thumbprint;
  }

  static std::string* dir_;
  static m365emu::ClientCertificateFiles* registered_;
  static m365emu::Emulator* emulator_;
  notify::sdk::testing::FakeHostContext host_;
  m365::ManualClock clock_;
  notify::ValidationReport report_;
  std::string text_;
};

std::string* CertificateCredentialTest::dir_ = nullptr;
m365emu::ClientCertificateFiles* CertificateCredentialTest::registered_ = nullptr;
m365emu::Emulator* CertificateCredentialTest::emulator_ = nullptr;

TEST_F(CertificateCredentialTest, ARegisteredCertificateSavesWithNoSecret) {
  Save(Settings(registered_->pem_file));
  EXPECT_TRUE(report_.ok()) << text_;
  ASSERT_NE(Step("auth"), nullptr);
  EXPECT_EQ(Step("auth")->outcome, StepOutcome::kPassed);
  EXPECT_NE(Step("token")->detail.find(Thumbprint(registered_->pem_file)), std::string::npos);
}

TEST_F(CertificateCredentialTest, AnUnregisteredCertificateFailsAtTheTokenStepNamingItsThumbprint) {
  auto other = m365emu::MakeClientCertificate(*dir_ + "/certs", "unregistered");
  Save(Settings(other.pem_file));
  EXPECT_FALSE(report_.ok());
  ASSERT_NE(Step("token"), nullptr);
  EXPECT_EQ(Step("token")->outcome, StepOutcome::kFailed);
  EXPECT_NE(Step("token")->detail.find("AADSTS700027"), std::string::npos) << text_;
  EXPECT_NE(Step("token")->remedy.find(Thumbprint(other.pem_file)), std::string::npos) << text_;
  EXPECT_NE(Step("token")->remedy.find("Certificates & secrets > Certificates"), std::string::npos);
}

TEST_F(CertificateCredentialTest, ASkewedClockShowsTheTimeTheAssertionUsed) {
  clock_.SetWallNow(std::chrono::system_clock::now() + hours(2));
  Save(Settings(registered_->pem_file));
  ASSERT_NE(Step("token"), nullptr);
  EXPECT_NE(Step("token")->detail.find("AADSTS700024"), std::string::npos) << text_;
  EXPECT_NE(Step("token")->remedy.find(m365::FormatUtc(clock_.WallNow()).substr(0, 13)),
            std::string::npos)
      << Step("token")->remedy;
  EXPECT_NE(Step("token")->remedy.find("clock"), std::string::npos);
}

TEST_F(CertificateCredentialTest, EveryTokenRequestCarriesANewAssertion) {
  Save(Settings(registered_->pem_file));
  Save(Settings(registered_->pem_file));
  // A reused jti would be refused by the emulator.
  EXPECT_TRUE(report_.ok()) << text_;
}

TEST_F(CertificateCredentialTest, ACertificateExpiringWithin30DaysWarnsAtSave) {
  clock_.SetWallNow(
      m365::ClientCertificate::Load(registered_->pem_file).value()->facts().not_after -
      hours(24 * 10));
  m365::M365Channel channel(host_, clock_);
  auto report =
      channel.Validate(Settings(registered_->pem_file), {notify::ValidationMode::kOffline, ""});
  EXPECT_TRUE(report.ok());
  bool warned = false;
  for (const auto& i : report.issues)
    warned = warned || (i.field == "certificate_file" && i.severity == notify::Severity::kWarning &&
                        i.message.find("in 10 days") != std::string::npos);
  EXPECT_TRUE(warned) << notify::sdk::testing::ReportText(report);
}

TEST_F(CertificateCredentialTest, AnExpiredCertificateFailsSaveWithTheStepsToRenew) {
  clock_.SetWallNow(
      m365::ClientCertificate::Load(registered_->pem_file).value()->facts().not_after + hours(1));
  m365::M365Channel channel(host_, clock_);
  auto report =
      channel.Validate(Settings(registered_->pem_file), {notify::ValidationMode::kOnline, ""});
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.steps.empty());  // nothing was sent
  std::string text = notify::sdk::testing::ReportText(report);
  EXPECT_NE(text.find("expired on"), std::string::npos) << text;
  EXPECT_NE(text.find("upload the certificate"), std::string::npos) << text;
}

TEST_F(CertificateCredentialTest, ASenderDeliversAndWarnsOnceADayBeforeExpiry) {
  const auto not_after =
      m365::ClientCertificate::Load(registered_->pem_file).value()->facts().not_after;
  m365::M365Channel channel(host_, clock_);
  auto opened = channel.Open(Settings(registered_->pem_file));
  ASSERT_NE(opened.sender, nullptr) << notify::sdk::testing::ReportText(opened.report);
  auto message = notify::sdk::testing::ConformanceMessage("m1", 0);
  message.to = {m365emu::kDemoMailbox};
  auto results = opened.sender->Deliver({message});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, notify::DeliveryStatus::kDelivered) << results[0].detail;
  auto health = notify::HealthOf(notify::kApiVersion, *opened.sender);
  EXPECT_EQ(health.state, HealthState::kOk) << health.cause;
  EXPECT_EQ(health.credential_expires_unix_s,
            std::chrono::duration_cast<std::chrono::seconds>(not_after.time_since_epoch()).count());

  // 20 days before expiry: one warning a day, however often it is asked.
  clock_.SetWallNow(not_after - hours(24 * 20));
  auto count_warnings = [&] {
    int n = 0;
    for (const auto& line : host_.lines())
      n += line.level == notify::LogLevel::kWarning &&
           line.text.find("expires on") != std::string::npos;
    return n;
  };
  for (int i = 0; i < 5; ++i) (void)opened.sender->Health();
  EXPECT_EQ(count_warnings(), 1);
  clock_.Advance(hours(24));
  for (int i = 0; i < 5; ++i) (void)opened.sender->Health();
  EXPECT_EQ(count_warnings(), 2);
  health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kWarning);
  EXPECT_NE(health.cause.find("in 19 days"), std::string::npos) << health.cause;
}

TEST_F(CertificateCredentialTest, ARefusedCertificateAtDeliveryTurnsTheHealthFailingOnce) {
  auto other = m365emu::MakeClientCertificate(*dir_ + "/certs", "refused");
  m365::M365Channel channel(host_, clock_);
  auto opened = channel.Open(Settings(other.pem_file));
  ASSERT_NE(opened.sender, nullptr);
  auto message = notify::sdk::testing::ConformanceMessage("m1", 0);
  message.to = {m365emu::kDemoMailbox};
  (void)opened.sender->Deliver({message});
  (void)opened.sender->Deliver({message});
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_NE(health.cause.find("AADSTS700027"), std::string::npos) << health.cause;
  EXPECT_NE(health.remedy.find(Thumbprint(other.pem_file)), std::string::npos);
  EXPECT_EQ(HealthErrorLines(host_), 1);
}

}  // namespace

namespace {

// The client secret's expiry, as the administrator enters it from the portal.
class SecretExpiryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        ::testing::TempDir() + "m365_secret_expiry_" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    emulator_ = new m365emu::Emulator(m365emu::DemoConfig(), *dir_);
  }
  static void TearDownTestSuite() {
    delete emulator_;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);  // nothing left in $TMPDIR
    delete dir_;
  }
  void SetUp() override {
    emulator_->SetConfig(m365emu::DemoConfig());
    clock_.SetWallNow(*Day("2030-01-01"));
  }
  static std::optional<std::chrono::system_clock::time_point> Day(const std::string& text) {
    std::tm tm{};
    strptime(text.c_str(), "%Y-%m-%d", &tm);
    return std::chrono::system_clock::from_time_t(timegm(&tm));
  }
  notify::Settings Settings(const std::string& expires) const {
    notify::Settings s = m365::testing::EmulatorSettings(*emulator_, "Contoso emulator");
    s["secret_expires"] = expires;
    return s;
  }
  static std::string* dir_;
  static m365emu::Emulator* emulator_;
  notify::sdk::testing::FakeHostContext host_;
  m365::ManualClock clock_;
};
std::string* SecretExpiryTest::dir_ = nullptr;
m365emu::Emulator* SecretExpiryTest::emulator_ = nullptr;

TEST_F(SecretExpiryTest, SaveWarnsFrom30DaysBeforeAndFailsOnceExpired) {
  m365::M365Channel channel(host_, clock_);
  auto far = channel.Validate(Settings("2030-03-01"), {notify::ValidationMode::kOffline, ""});
  EXPECT_TRUE(far.issues.empty()) << notify::sdk::testing::ReportText(far);
  auto soon = channel.Validate(Settings("2030-01-15"), {notify::ValidationMode::kOffline, ""});
  EXPECT_TRUE(soon.ok());
  ASSERT_EQ(soon.issues.size(), 1u);
  EXPECT_EQ(soon.issues[0].field, "secret_expires");
  EXPECT_NE(soon.issues[0].message.find("in 14 days"), std::string::npos);
  auto gone = channel.Validate(Settings("2029-12-31"), {notify::ValidationMode::kOnline, ""});
  EXPECT_FALSE(gone.ok());
  EXPECT_TRUE(gone.steps.empty());
  EXPECT_NE(notify::sdk::testing::ReportText(gone).find("New client secret"), std::string::npos);
}

TEST_F(SecretExpiryTest, AnExpiredSecretAtDeliveryIsAFailingHealthNotAStreamOfErrors) {
  // Microsoft's side expired it (AADSTS7000222) though the entered date said
  // otherwise: the health says so once.
  m365emu::Config expired = m365emu::DemoConfig();
  expired.app().secrets[0].expires_unix = 1;
  emulator_->SetConfig(expired);
  m365::M365Channel channel(host_, clock_);
  auto opened = channel.Open(Settings("2030-06-01"));
  ASSERT_NE(opened.sender, nullptr);
  auto message = notify::sdk::testing::ConformanceMessage("m1", 0);
  message.to = {m365emu::kDemoMailbox};
  for (int i = 0; i < 3; ++i) {
    auto results = opened.sender->Deliver({message});
    ASSERT_EQ(results.size(), 1u);
    EXPECT_NE(results[0].status, notify::DeliveryStatus::kDelivered);
  }
  auto health = opened.sender->Health();
  EXPECT_EQ(health.state, HealthState::kFailing);
  EXPECT_NE(health.cause.find("AADSTS7000222"), std::string::npos) << health.cause;
  EXPECT_NE(health.remedy.find("New client secret"), std::string::npos);
  EXPECT_EQ(HealthErrorLines(host_), 1);
}

}  // namespace
