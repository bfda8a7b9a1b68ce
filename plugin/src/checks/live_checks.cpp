// The online checks at Save, one step at a time.
#include "checks/live_checks.hpp"

#include <chrono>
#include <functional>
#include <memory>

#include "delivery/m365_sender.hpp"
#include "diagnostics/diagnostics.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/barrier.hpp"
#include "smtp/smtp_connection.hpp"
#include "token/jwt_claims.hpp"
#include "token/token_client.hpp"
#include "token/token_source.hpp"

namespace m365 {
namespace {

using notify::CheckStep;
using notify::StepOutcome;

// What a step body reports: passed (empty remedy) or failed.
struct StepEnd {
  bool passed = false;
  std::string detail;
  std::string remedy;
};

StepEnd Pass(std::string detail) { return {true, std::move(detail), ""}; }
StepEnd Fail(std::string detail, std::string remedy) {
  return {false, std::move(detail), std::move(remedy)};
}
StepEnd Fail(const notify::sdk::Status& s) { return {false, s.message(), s.remedy()}; }

// Hands the token the checks obtained to the sender of the test message.
class ValidatedToken : public TokenSource {
 public:
  explicit ValidatedToken(std::string token) : token_(std::move(token)) {}
  notify::sdk::StatusOr<std::string> Get() override { return token_; }
  notify::sdk::StatusOr<std::string> Refresh(const std::string&) override {
    return notify::sdk::Status::Unauthenticated(
        "Exchange Online refused the token that passed the login check",
        "Save again; if it repeats, check the mailbox permission of the From mailbox.");
  }

 private:
  std::string token_;
};

// Runs the steps in order and records them; after a failure the rest are skipped.
class StepRunner {
 public:
  StepRunner(const M365Config& config, notify::HostContext& host) : config_(config), host_(host) {}

  void Run(const char* name, const std::function<StepEnd()>& body) {
    CheckStep step;
    step.name = name;
    if (failed_) {
      step.outcome = StepOutcome::kSkipped;
      step.detail = "not run: an earlier step failed";
      steps_.push_back(step);
      return;
    }
    auto start = std::chrono::steady_clock::now();
    StepEnd end = notify::sdk::Guard(body, [](const std::string& what) {
      return Fail("internal error: " + what,
                  "Try again; if it repeats, report it with the host's log.");
    });
    step.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    step.outcome = end.passed ? StepOutcome::kPassed : StepOutcome::kFailed;
    step.detail = Redact(end.detail, config_.client_secret, token_);
    step.remedy = Redact(end.remedy, config_.client_secret, token_);
    failed_ = !end.passed;
    // Info: the report already shows the outcome to whoever saves.
    host_.Log(notify::LogLevel::kInfo, "m365_oauth_smtp [" + config_.server_name + "] check " +
                                           step.name + " " + notify::ToString(step.outcome) +
                                           " in " + std::to_string(step.elapsed_ms) +
                                           " ms: " + step.detail);
    steps_.push_back(std::move(step));
  }

  void SetToken(const std::string& token) { token_ = token; }
  std::vector<CheckStep> TakeSteps() { return std::move(steps_); }

 private:
  const M365Config& config_;
  notify::HostContext& host_;
  std::vector<CheckStep> steps_;
  std::string token_;  // for redaction only
  bool failed_ = false;
};

// Adds OpenSSL's reason for refusing a certificate chain during the step
// just run on this thread ("unable to get local issuer certificate", ...).
notify::sdk::Status WithCertificateReason(notify::sdk::Status s) {
  std::string why = TakeLastCertificateError();
  if (!why.empty() && s.message().find(why) == std::string::npos) {
    s = s.WithMessage(s.message() + " (" + why + ")");
  }
  if (why.find("expired") != std::string::npos || why.find("not yet valid") != std::string::npos) {
    s = s.WithRemedy("The server's certificate is outside its validity period (" + why +
                     "). Check this host's date and time; Exchange Online's certificates are "
                     "always current, so otherwise a device in between intercepts TLS with its "
                     "own certificate: exempt this host from it.");
  }
  return s;
}

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

}  // namespace

std::vector<notify::CheckStep> RunLiveChecks(const M365Config& c, Poco::Net::Context::Ptr tls,
                                             const std::string& test_recipient,
                                             notify::HostContext& host) noexcept {
  return notify::sdk::Guard(
      [&]() -> std::vector<CheckStep> {
        StepRunner run(c, host);
        std::string token;
        JwtClaims claims;
        bool claims_known = false;
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout);

        run.Run(kStepToken, [&] {
          TokenClient client(tls, timeout);
          TokenResponse r =
              client.Request({c.authority_url, c.tenant_id, c.client_id, c.client_secret, c.scope});
          if (!r.ok) return Fail(DiagnoseTokenFailure(r, c));
          token = r.access_token;
          run.SetToken(token);
          return Pass("token issued by " + c.authority_url + " for " + c.scope + ", valid for " +
                      Seconds(r.expires_in));
        });

        run.Run(kStepClaims, [&] {
          auto decoded = DecodeJwtClaims(token);
          if (!decoded.ok()) {
            // Access tokens are opaque to clients by contract; an undecodable one
            // is not an error, it just cannot be explained.
            return Pass(decoded.status().message() + "; claims not checked");
          }
          claims = decoded.value();
          claims_known = true;
          notify::sdk::Status d = DiagnoseClaims(claims, c);
          if (!d.ok() && claims.HasAudience(c.expected_audience)) {
            // Mistake 1 of facts section 8: Graph Mail.Send granted instead of
            // SMTP.SendAsApp. A Graph token of the same app tells.
            TokenClient client(tls, timeout);
            TokenResponse graph = client.Request(
                {c.authority_url, c.tenant_id, c.client_id, c.client_secret, c.graph_scope});
            if (graph.ok) {
              auto graph_claims = DecodeJwtClaims(graph.access_token);
              if (graph_claims.ok()) d = DiagnoseClaims(claims, c, &graph_claims.value());
            }
          }
          return d.ok() ? Pass(DescribeClaims(claims)) : Fail(d);
        });

        SmtpConnection smtp({c.smtp_host, c.port, c.timeout, tls});
        const std::string where = c.smtp_host + ":" + std::to_string(c.port);

        run.Run(kStepConnect, [&] {
          TakeLastCertificateError();
          SmtpStepResult r = smtp.Connect();
          if (!r.ok) {
            return Fail(
                WithCertificateReason(DiagnoseSmtpTransport(kStepConnect, r.error, r.reply, c)));
          }
          return Pass("connected to " + where + (smtp.IsTls() ? " with implicit TLS" : "") + ": " +
                      r.reply.ToString());
        });

        run.Run(kStepStartTls, [&] {
          SmtpStepResult r = smtp.Ehlo();
          if (!r.ok) return Fail(DiagnoseSmtpTransport(kStepConnect, r.error, r.reply, c));
          if (smtp.IsTls()) return Pass("EHLO accepted; TLS already in place (port 465)");
          if (!smtp.OffersStartTls()) {
            return Fail("the server at " + where + " did not offer STARTTLS, so no token was sent",
                        "Exchange Online always offers STARTTLS on port 587: check SMTP host and "
                        "Port (smtp.office365.com, 587). A firewall or antivirus that inspects "
                        "SMTP may strip STARTTLS; exempt this host from it.");
          }
          return Pass("EHLO accepted; STARTTLS offered");
        });

        run.Run(kStepTls, [&] {
          if (smtp.IsTls()) {
            return Pass("implicit TLS established at connect, certificate valid for " +
                        c.smtp_host);
          }
          TakeLastCertificateError();
          SmtpStepResult r = smtp.StartTls();
          if (!r.ok) {
            return Fail(
                WithCertificateReason(DiagnoseSmtpTransport(kStepTls, r.error, r.reply, c)));
          }
          return Pass("TLS established; certificate trusted and valid for " + c.smtp_host);
        });

        run.Run(kStepAuth, [&] {
          if (!smtp.OffersXoauth2()) {
            return Fail("the server at " + where + " does not offer AUTH XOAUTH2 after STARTTLS",
                        "Check that SMTP host is Exchange Online (smtp.office365.com for the "
                        "global cloud); other servers do not accept Microsoft 365 tokens.");
          }
          SmtpStepResult r = smtp.AuthXoauth2(c.from_email, token);
          if (r.ok) return Pass("logged in as " + c.from_email + ": " + r.reply.ToString());
          if (r.reply.code == 0) return Fail(DiagnoseSmtpTransport(kStepAuth, r.error, r.reply, c));
          return Fail(DiagnoseAuthReply(r.reply, c, claims_known ? &claims : nullptr));
        });

        run.Run(kStepQuit, [&] {
          SmtpStepResult r = smtp.Quit();
          // A lost QUIT says nothing about the configuration.
          return Pass(r.ok ? r.reply.ToString()
                           : "no reply to QUIT (" + r.error + "); the configuration is fine");
        });

        if (!test_recipient.empty()) {
          run.Run(kStepTestMessage, [&] {
            M365Sender sender(c, tls, std::make_shared<ValidatedToken>(token), host);
            notify::Message m;
            m.id = "m365-validation-test";
            m.to = {test_recipient};
            m.subject = "Test message from " + c.server_name;
            m.text_body = "This test message was sent while saving the notification settings \"" +
                          c.server_name + "\" (Microsoft 365, from " + c.from_email +
                          "). Delivery works.";
            auto results = sender.Deliver({m});
            if (results.size() == 1 && results[0].status == notify::DeliveryStatus::kDelivered) {
              return Pass("sent to " + test_recipient + ": " + std::to_string(results[0].code) +
                          " " + results[0].enhanced + " " + results[0].detail);
            }
            std::string detail = "no result";
            if (!results.empty()) {
              const auto& r = results[0];
              detail = std::string(notify::ToString(r.status)) + ", " +
                       (r.code != 0 ? std::to_string(r.code) + " " : "") +
                       (r.enhanced.empty() ? "" : r.enhanced + " ") + r.detail;
            }
            SmtpReply reply;
            if (!results.empty()) {
              reply.code = results[0].code;
              reply.enhanced = results[0].enhanced;
              reply.text = results[0].detail;
            }
            notify::sdk::Status d = DiagnoseSendReply(reply, c, claims_known ? &claims : nullptr);
            return Fail("the test message to " + test_recipient + " was not accepted: " + detail,
                        !d.remedy().empty() ? d.remedy()
                                            : "Check the recipient address and the server's reply "
                                              "above.");
          });
        }
        return run.TakeSteps();
      },
      [&c](const std::string& what) {
        CheckStep step;
        step.name = "internal";
        step.outcome = StepOutcome::kFailed;
        step.detail = Redact("the checks stopped unexpectedly: " + what, c.client_secret);
        step.remedy = "Try again; if it repeats, report it with the host's log.";
        return std::vector<CheckStep>{step};
      });
}

}  // namespace m365
