// Save validation against the in-process Microsoft 365 emulator: a correct
// configuration passes, and each common mistake of docs/microsoft-365.md (What administrators get
// wrong most) fails at its own step with its own remedy (docs/channel-settings.md, Live checks at
// Save).
#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <Poco/Net/InvalidCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/VerificationErrorArgs.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "channel/m365_channel.hpp"
#include "emulator_settings.hpp"
#include "m365emu/emulator.hpp"
#include "notify/sdk/testing/conformance.hpp"
#include "notify/sdk/testing/fake_host.hpp"

namespace {

using notify::StepOutcome;

const char* const kOtherGuid = "11111111-2222-4333-8444-555555555555";
const char* const kServicePrincipalId = "6e5d4c3b-2a19-4f08-b7e6-d5c4b3a29180";

class SaveValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(
        ::testing::TempDir() + "m365_save_validation_" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    emulator_ = new m365emu::Emulator(m365emu::DemoConfig(), *dir_);
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all(*dir_, ignored);  // nothing left in $TMPDIR
    delete dir_;
  }

  void SetUp() override {
    config_ = m365emu::DemoConfig();
    emulator_->SetConfig(config_);
    emulator_->SetFaults({});
    emulator_->ResetCounters();
  }

  // The demo tenant's correct settings, pointed at the emulator.
  notify::Settings Settings() const {
    return m365::testing::EmulatorSettings(*emulator_, "Contoso emulator");
  }

  // Applies config_ (after a test changed it) to the emulator.
  void Apply() { emulator_->SetConfig(config_); }

  notify::ValidationReport Save(const notify::Settings& settings, const std::string& test_to = "") {
    m365::M365Channel channel(host_);
    report_ = channel.Validate(settings, {notify::ValidationMode::kOnline, test_to});
    ExpectNoSecretIn(notify::sdk::testing::ReportText(report_) + host_.AllText(), settings);
    return report_;
  }

  static void ExpectNoSecretIn(const std::string& text, const notify::Settings& settings) {
    auto secret = settings.find("client_secret");
    if (secret != settings.end() && !secret->second.empty()) {
      EXPECT_EQ(text.find(secret->second), std::string::npos) << "client secret leaked";
    }
    EXPECT_EQ(text.find("eyJ"), std::string::npos) << "an access token leaked";
    EXPECT_EQ(text.find("dXNlcj"), std::string::npos) << "an XOAUTH2 response leaked";
  }

  const notify::CheckStep* Step(const std::string& name) const {
    for (const auto& s : report_.steps) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

  // Every step before `name` passed, `name` failed with a remedy containing
  // `remedy_part`, and every later step was skipped.
  void ExpectFailedAt(const std::string& name, const std::string& remedy_part) const {
    SCOPED_TRACE(notify::sdk::testing::ReportText(report_));
    EXPECT_FALSE(report_.ok());
    bool seen = false;
    for (const auto& s : report_.steps) {
      if (s.name == name) {
        seen = true;
        EXPECT_EQ(s.outcome, StepOutcome::kFailed) << s.name;
        EXPECT_NE(s.remedy.find(remedy_part), std::string::npos)
            << "remedy of " << s.name << ": " << s.remedy;
        EXPECT_FALSE(s.detail.empty());
      } else {
        EXPECT_EQ(s.outcome, seen ? StepOutcome::kSkipped : StepOutcome::kPassed) << s.name;
      }
    }
    EXPECT_TRUE(seen) << "no step " << name;
  }

  std::string Detail(const std::string& name) const {
    const notify::CheckStep* s = Step(name);
    return s ? s->detail : "";
  }

  static std::string* dir_;
  static m365emu::Emulator* emulator_;
  m365emu::Config config_;
  notify::sdk::testing::FakeHostContext host_;
  notify::ValidationReport report_;
};

std::string* SaveValidationTest::dir_ = nullptr;
m365emu::Emulator* SaveValidationTest::emulator_ = nullptr;

TEST_F(SaveValidationTest, CorrectConfigurationPassesEveryStepAndSendsNoMail) {
  auto start = std::chrono::steady_clock::now();
  Save(Settings());
  const auto save_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  EXPECT_TRUE(report_.ok()) << notify::sdk::testing::ReportText(report_);
  std::vector<std::string> names;
  long long steps_ms = 0;
  for (const auto& s : report_.steps) {
    names.push_back(s.name);
    EXPECT_EQ(s.outcome, StepOutcome::kPassed) << s.name << ": " << s.detail;
    EXPECT_TRUE(s.remedy.empty()) << s.name;
    // Each step's time is a part of the Save's: the steps run one after
    // another within it, and none reports a time it did not take.
    EXPECT_LE(s.elapsed_ms, save_ms) << s.name;
    steps_ms += s.elapsed_ms;
  }
  EXPECT_LE(steps_ms, save_ms) << "the steps took longer than the whole Save";
  EXPECT_EQ(names, (std::vector<std::string>{"token", "claims", "connect", "starttls", "tls",
                                             "auth", "quit"}));
  EXPECT_NE(Detail("claims").find("SMTP.SendAsApp"), std::string::npos);
  auto stats = emulator_->stats();
  EXPECT_EQ(stats.token_requests, 1u);
  EXPECT_EQ(stats.starttls_count, 1u);
  EXPECT_EQ(stats.auth_successes, 1u);
  EXPECT_EQ(stats.messages_accepted, 0u);
}

TEST_F(SaveValidationTest, TestMessageGoesOnlyToTheGivenAddress) {
  Save(Settings(), "admin@contoso.com");
  EXPECT_TRUE(report_.ok()) << notify::sdk::testing::ReportText(report_);
  ASSERT_NE(Step("test_message"), nullptr);
  EXPECT_EQ(Step("test_message")->outcome, StepOutcome::kPassed);
  ASSERT_TRUE(emulator_->WaitForMessages(1, std::chrono::seconds(10)));
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].envelope_from, m365emu::kDemoMailbox);
  EXPECT_EQ(received[0].recipients, std::vector<std::string>{"admin@contoso.com"});
}

TEST_F(SaveValidationTest, WrongSecret) {
  auto s = Settings();
  s["client_secret"] = "Wr0ng~Secret.Value_abcdefghijklmnopqrstuv";
  Save(s);
  ExpectFailedAt("token", "the secret's ID was pasted instead of its Value");
  EXPECT_NE(Detail("token").find("AADSTS7000215"), std::string::npos);
}

TEST_F(SaveValidationTest, ExpiredSecret) {
  config_.app().secrets[0].expires_unix = static_cast<std::int64_t>(std::time(nullptr)) - 3600;
  Apply();
  Save(Settings());
  ExpectFailedAt("token", "The client secret has expired");
  EXPECT_NE(Detail("token").find("AADSTS7000222"), std::string::npos);
}

TEST_F(SaveValidationTest, SecretIdInsteadOfValueIsCaughtBeforeAnyRequest) {
  auto s = Settings();
  s["client_secret"] = m365emu::kDemoSecretId;
  Save(s);
  EXPECT_FALSE(report_.ok());
  EXPECT_TRUE(report_.steps.empty());
  ASSERT_EQ(report_.issues.size(), 1u);
  EXPECT_EQ(report_.issues[0].field, "client_secret");
  EXPECT_NE(report_.issues[0].message.find("looks like the secret's ID, not its Value"),
            std::string::npos);
  EXPECT_NE(report_.issues[0].remedy.find("Certificates & secrets"), std::string::npos);
  EXPECT_EQ(emulator_->stats().token_requests, 0u);
}

TEST_F(SaveValidationTest, UnknownClient) {
  auto s = Settings();
  s["client_id"] = kOtherGuid;
  Save(s);
  ExpectFailedAt("token", "No application with Client ID 11111111-2222-4333-8444-555555555555");
  EXPECT_NE(Detail("token").find("AADSTS700016"), std::string::npos);
}

TEST_F(SaveValidationTest, UnknownTenant) {
  auto s = Settings();
  s["tenant_id"] = kOtherGuid;
  Save(s);
  ExpectFailedAt("token", "Tenant 11111111-2222-4333-8444-555555555555 was not found");
  EXPECT_NE(Detail("token").find("AADSTS90002"), std::string::npos);
}

TEST_F(SaveValidationTest, WrongNationalCloud) {
  // A tenant of another cloud does not exist at this authority.
  auto s = Settings();
  s["cloud"] = "usgov";
  s["tenant_id"] = "contoso.onmicrosoft.us";
  Save(s);
  ExpectFailedAt("token", "National cloud");
  EXPECT_NE(Detail("token").find("AADSTS90002"), std::string::npos);
}

TEST_F(SaveValidationTest, NoRolesExplainsTheMissingExchangePermission) {
  config_.app().roles.clear();
  Apply();
  Save(Settings());
  ExpectFailedAt("claims", "SMTP.SendAsApp");
  // transport auto: the remedy names both routes, the Graph one first.
  EXPECT_LT(Step("claims")->remedy.find("Mail.Send"),
            Step("claims")->remedy.find("SMTP.SendAsApp"));
  EXPECT_NE(Step("claims")->remedy.find("Grant admin consent"), std::string::npos);
  EXPECT_NE(Detail("claims").find("roles: (none)"), std::string::npos);
  EXPECT_EQ(Step("claims")->remedy.find("was granted Microsoft Graph Mail.Send"),
            std::string::npos);
  EXPECT_EQ(emulator_->stats().smtp_connections, 0u) << "no SMTP with a token that cannot work";
}

TEST_F(SaveValidationTest, GraphOnlyRolesExplainThatMailSendIsNotSmtpWhenTheRouteIsSmtp) {
  config_.app().roles = {{m365emu::kGraphResource, {m365emu::kGraphMailSendRole}}};
  Apply();
  auto settings = Settings();
  settings["transport"] = "smtp";
  Save(settings);
  ExpectFailedAt("claims", "Microsoft Graph Mail.Send does not authorise SMTP");
  EXPECT_NE(Step("claims")->remedy.find("The app was granted Microsoft Graph Mail.Send"),
            std::string::npos);
  EXPECT_NE(Detail("claims").find("Graph Mail.Send instead"), std::string::npos);
}

TEST_F(SaveValidationTest, ServicePrincipalNotRegisteredInExchange) {
  config_.app().exchange_service_principal_registered = false;
  Apply();
  Save(Settings());
  ExpectFailedAt("auth", std::string("New-ServicePrincipal -AppId ") + m365emu::kDemoClientId +
                             " -ObjectId " + kServicePrincipalId);
  EXPECT_NE(Step("auth")->remedy.find("rules out (1)"), std::string::npos);
  EXPECT_NE(Detail("auth").find("535 5.7.3"), std::string::npos);
}

TEST_F(SaveValidationTest, NoMailboxPermission) {
  config_.app().mailbox_permissions.clear();
  Apply();
  Save(Settings());
  ExpectFailedAt("auth", std::string("Add-MailboxPermission -Identity ") + m365emu::kDemoMailbox +
                             " -User " + kServicePrincipalId + " -AccessRights FullAccess");
  EXPECT_NE(Detail("auth").find("535 5.7.3"), std::string::npos);
}

TEST_F(SaveValidationTest, NoMailboxPermissionSeenOnlyAtDataFailsTheTestMessage) {
  config_.app().mailbox_permissions.clear();
  config_.mailbox_permission_failure_at_data = true;
  Apply();
  Save(Settings(), "admin@contoso.com");
  ExpectFailedAt("test_message", "Add-MailboxPermission");
  EXPECT_NE(Detail("test_message").find("430"), std::string::npos);
}

TEST_F(SaveValidationTest, SmtpAuthOffForTheTenant) {
  config_.tenant().smtp_auth_enabled = false;
  Apply();
  Save(Settings());
  ExpectFailedAt("auth", "Set-TransportConfig -SmtpClientAuthenticationDisabled $false");
  EXPECT_NE(Detail("auth").find("5.7.139"), std::string::npos);
}

TEST_F(SaveValidationTest, SmtpAuthOffForTheMailbox) {
  config_.FindMailbox(m365emu::kDemoMailbox)->smtp_auth = m365emu::SmtpAuthSetting::kDisabled;
  Apply();
  Save(Settings());
  ExpectFailedAt("auth", std::string("Set-CASMailbox -Identity ") + m365emu::kDemoMailbox +
                             " -SmtpClientAuthenticationDisabled $false");
  EXPECT_EQ(Step("auth")->remedy.find("Set-TransportConfig"), std::string::npos);
}

TEST_F(SaveValidationTest, StartTlsNotOfferedMeansNoTokenIsSent) {
  m365emu::Faults faults;
  faults.smtp_no_starttls = true;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("starttls", "STARTTLS");
  EXPECT_NE(Detail("starttls").find("no token was sent"), std::string::npos);
  auto stats = emulator_->stats();
  EXPECT_EQ(stats.auth_attempts, 0u);
  EXPECT_EQ(stats.starttls_count, 0u);
}

TEST_F(SaveValidationTest, CertificateForAnotherNameIsRefused) {
  m365emu::Faults faults;
  faults.smtp_certificate = m365emu::CertFault::kWrongName;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("tls", "is not issued for localhost");
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SaveValidationTest, CertificateFromAnUntrustedCaIsRefused) {
  m365emu::Faults faults;
  faults.smtp_certificate = m365emu::CertFault::kUntrustedCa;
  emulator_->SetFaults(faults);
  ::testing::internal::CaptureStdout();
  Save(Settings());
  std::string console = ::testing::internal::GetCapturedStdout();
  ExpectFailedAt("tls", "put its CA certificate (PEM) in ca_file");
  EXPECT_NE(Detail("tls").find("unable to get local issuer certificate"), std::string::npos);
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
  // Poco's default ConsoleCertificateHandler would ask the console instead.
  EXPECT_EQ(console.find("Accept the certificate"), std::string::npos) << console;
}

// A global handler as a careless host might install: accepts every
// certificate OpenSSL refused, and counts how often it was asked.
class AcceptingCertificateHandler : public Poco::Net::InvalidCertificateHandler {
 public:
  AcceptingCertificateHandler() : Poco::Net::InvalidCertificateHandler(false) {}
  void onInvalidCertificate(const void*, Poco::Net::VerificationErrorArgs& args) override {
    ++asked;
    args.setIgnoreError(true);
  }
  static std::atomic<int> asked;
};
std::atomic<int> AcceptingCertificateHandler::asked{0};

TEST_F(SaveValidationTest, HostWideCertificateHandlersCannotWeakenVerification) {
  // Poco's SSLManager asks its process-wide InvalidCertificateHandler about a
  // refused chain (by default ConsoleCertificateHandler: "Accept the
  // certificate (y,n)?" on stdin). The plugin's context never asks it.
  // A default client context too, or SSLManager would replace the handler
  // with a RejectCertificateHandler the first time anything asks for one.
  Poco::Net::SSLManager::instance().initializeClient(
      nullptr, new AcceptingCertificateHandler,
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, ""));
  m365emu::Faults faults;
  faults.smtp_certificate = m365emu::CertFault::kUntrustedCa;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("tls", "ca_file");
  auto s = Settings();
  s.erase("ca_file");
  emulator_->SetFaults({});
  Save(s);
  ExpectFailedAt("token", "ca_file");
  EXPECT_EQ(AcceptingCertificateHandler::asked, 0);
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SaveValidationTest, ExpiredCertificateIsRefused) {
  m365emu::Faults faults;
  faults.smtp_certificate = m365emu::CertFault::kExpired;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("tls", "Check this host's date and time");
  EXPECT_NE(Detail("tls").find("certificate has expired"), std::string::npos);
  EXPECT_EQ(emulator_->stats().auth_attempts, 0u);
}

TEST_F(SaveValidationTest, WithoutTheExtraCaTheEmulatorIsNotTrusted) {
  auto s = Settings();
  s.erase("ca_file");
  ::testing::internal::CaptureStdout();
  Save(s);
  std::string console = ::testing::internal::GetCapturedStdout();
  ExpectFailedAt("token", "ca_file");
  EXPECT_NE(Detail("token").find("is not trusted (unable to get local issuer certificate)"),
            std::string::npos);
  EXPECT_EQ(emulator_->stats().token_requests, 0u);
  EXPECT_EQ(console.find("Accept the certificate"), std::string::npos) << console;
}

TEST_F(SaveValidationTest, ThrottledTokenEndpointSaysWhenToRetry) {
  m365emu::Faults faults;
  faults.token_http_429_retry_after = 30;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("token", "Wait 30 seconds");
}

TEST_F(SaveValidationTest, NonJsonTokenAnswerIsExplained) {
  m365emu::Faults faults;
  faults.token_non_json_body = true;
  emulator_->SetFaults(faults);
  Save(Settings());
  ExpectFailedAt("token", "Token authority");
  EXPECT_NE(Detail("token").find("not JSON"), std::string::npos);
}

TEST_F(SaveValidationTest, OversizedTokenAnswerIsRefused) {
  m365emu::Faults faults;
  faults.token_oversized_body_bytes = 1024 * 1024;
  emulator_->SetFaults(faults);
  Save(Settings());
  EXPECT_EQ(Step("token")->outcome, StepOutcome::kFailed);
  EXPECT_NE(Detail("token").find("larger than 64 KiB"), std::string::npos);
}

TEST_F(SaveValidationTest, EveryStepIsBoundedByTheTimeout) {
  // An answer that would come a minute late: a Save that ends well before it
  // was cut by its timeout, whatever the machine's load.
  m365emu::Faults faults;
  faults.token_delay_ms = 60000;
  emulator_->SetFaults(faults);
  auto s = Settings();
  s["timeout"] = "5";
  const std::chrono::seconds timeout(5);
  auto start = std::chrono::steady_clock::now();
  Save(s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ExpectFailedAt("token", "");
  EXPECT_NE(Detail("token").find("within 5 s"), std::string::npos);
  // Room for a loaded machine under sanitizers, far below the late answer.
  EXPECT_LT(elapsed, timeout + std::chrono::seconds(10));
  EXPECT_GE(Step("token")->elapsed_ms, 4500) << "the timeout was not waited for";
}

TEST_F(SaveValidationTest, SecretsWithFormSpecialCharactersSurvive) {
  const std::string secret = "a+b/c=d~e&f%g.h_i-j+k==";
  config_.app().secrets[0].value = secret;
  Apply();
  auto s = Settings();
  s["client_secret"] = secret;
  Save(s);
  EXPECT_TRUE(report_.ok()) << notify::sdk::testing::ReportText(report_);
}

TEST_F(SaveValidationTest, TokenEndpointCertificateMustNameTheAuthorityHost) {
  // The machine's own name usually resolves to 127.0.0.1, where the emulator
  // listens with a certificate for "localhost" only.
  std::string name = Poco::Net::DNS::hostName();
  bool loopback = false;
  try {
    Poco::Net::HostEntry entry = Poco::Net::DNS::hostByName(name);
    for (const auto& a : entry.addresses()) {
      loopback = loopback || a.toString() == "127.0.0.1";
    }
  } catch (const Poco::Exception&) {
  }
  if (name == "localhost" || !loopback) GTEST_SKIP() << name << " does not resolve to 127.0.0.1";
  auto s = Settings();
  s["authority_url"] = "https://" + name + ":" + std::to_string(emulator_->token_port());
  Save(s);
  ExpectFailedAt("token", "The sign-in server's certificate was refused");
  EXPECT_NE(Detail("token").find("is not issued for the name " + name), std::string::npos);
  EXPECT_EQ(emulator_->stats().token_requests, 0u);
}

}  // namespace
