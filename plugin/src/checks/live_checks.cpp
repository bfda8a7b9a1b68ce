// The live checks at Save (docs/channel-settings.md, Live checks at Save):
// one function per step, each with what it needs and what it finds in its
// signature, run in order by a StepRunner that times, redacts, logs and
// records them. Uses token/, smtp/, diagnostics/ and, for the test message's
// MIME, mime/; never delivery/ (docs/architecture.md, The include rule).
#include "checks/live_checks.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <utility>

#include "checks/graph_checks.hpp"
#include "checks/test_message.hpp"
#include "common/server_log.hpp"
#include "diagnostics/diagnostics.hpp"
#include "mime/mime_builder.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/barrier.hpp"
#include "route/route_decision.hpp"
#include "smtp/smtp_connection.hpp"
#include "smtp/smtp_login.hpp"
#include "token/jwt_claims.hpp"
#include "token/token_client.hpp"
#include "token/token_source.hpp"

namespace m365 {
namespace {

using notify::CheckStep;
using notify::StepOutcome;
using notify::sdk::Status;
using notify::sdk::StatusOr;

constexpr const char* kTryAgain = "Try again; if it repeats, report it with the host's log.";

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()) + " s"; }

std::chrono::milliseconds Timeout(const M365Config& c) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout);
}

SmtpEndpoint Endpoint(const M365Config& c, const Poco::Net::Context::Ptr& tls) {
  return {c.smtp_host, c.port, c.timeout, tls};
}

std::string Where(const M365Config& c) { return c.smtp_host + ":" + std::to_string(c.port); }

// Adds OpenSSL's reason for refusing a certificate chain during the step
// just run on this thread ("unable to get local issuer certificate", ...).
Status WithCertificateReason(Status s) {
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

// Hands the token the checks obtained to the login of the test message.
class ValidatedToken : public TokenSource {
 public:
  explicit ValidatedToken(std::string token) : token_(std::move(token)) {}
  StatusOr<std::string> Get() override { return token_; }
  StatusOr<std::string> Refresh(const std::string&) override {
    return Status::Unauthenticated(
        "Exchange Online refused the token that passed the login check",
        "Save again; if it repeats, check the mailbox permission of the From mailbox.");
  }

 private:
  std::string token_;
};

// Each step below returns the detail of its passing, or the Status of its
// failure: its message becomes the step's detail, its remedy the step's
// remedy.

// token: a client-credentials token for the cloud's Exchange Online scope,
// stored in `token`.
StatusOr<std::string> CheckToken(const M365Config& c, const Poco::Net::Context::Ptr& tls,
                                 const Clock& clock, std::string& token) {
  TokenClient client(tls, Timeout(c), c.https_proxy);
  TokenResponse r = client.Request(TokenRequestFor(c, c.scope, clock.WallNow()));
  if (!r.ok) return DiagnoseTokenFailure(r, c);
  token = r.access_token;
  return "token issued by " + c.authority_url + " for " + c.scope + ", valid for " +
         Seconds(r.expires_in) +
         (c.certificate ? " (certificate " + c.certificate->facts().sha1_thumbprint + ")" : "");
}

// claims: `token` is for Exchange Online, issued to this app, and carries
// SMTP.SendAsApp; without the role, a Microsoft Graph token of the same app
// tells whether Graph Mail.Send was granted instead: with `transport` auto
// that decides the Graph route (its token stored in `graph_token`, the
// decision in `route`), with smtp it is explained as the likely mix-up. A
// token that cannot be decoded passes unexplained. Stores the decoded claims
// in `claims`.
StatusOr<std::string> CheckClaims(const M365Config& c, const Poco::Net::Context::Ptr& tls,
                                  const Clock& clock, const std::string& token,
                                  std::optional<JwtClaims>& claims, RouteChoice& route,
                                  std::string& graph_token) {
  auto decoded = DecodeJwtClaims(token);
  if (!decoded.ok()) {
    // Access tokens are opaque to clients by contract; an undecodable one
    // is not an error, it just cannot be explained.
    route = DecideRoute(c.transport, nullptr, nullptr).value();
    return decoded.status().message() + "; claims not checked; " + route.because;
  }
  claims = decoded.value();
  Status problem = DiagnoseClaims(*claims, c);
  std::optional<JwtClaims> graph_claims;
  if (!problem.ok() && claims->HasAudience(c.expected_audience)) {
    // The most common mistake (docs/microsoft-365.md, What administrators get
    // wrong most): Graph Mail.Send granted instead of SMTP.SendAsApp.
    TokenClient client(tls, Timeout(c), c.https_proxy);
    TokenResponse graph = client.Request(TokenRequestFor(c, c.graph_scope, clock.WallNow()));
    if (graph.ok) {
      graph_token = graph.access_token;
      auto decoded_graph = DecodeJwtClaims(graph.access_token);
      if (decoded_graph.ok()) graph_claims = decoded_graph.value();
    }
  }
  if (c.transport == Transport::kAuto && !problem.ok() &&
      problem.code() == notify::sdk::StatusCode::kPermissionDenied) {
    // No SMTP.SendAsApp: auto takes Graph when it may, else names both routes.
    auto decided = DecideRoute(c.transport, &*claims, graph_claims ? &*graph_claims : nullptr);
    if (!decided.ok()) return decided.status();
    route = decided.value();
    return CheckGraphClaims(c, graph_token, route.because);
  }
  if (!problem.ok() && graph_claims) problem = DiagnoseClaims(*claims, c, &*graph_claims);
  if (!problem.ok()) return problem;
  route = DecideRoute(c.transport, &*claims, nullptr).value();
  return DescribeClaims(*claims) + "; " + route.because;
}

// With an HTTPS proxy: what the connect step says about it (SMTP goes
// direct; docs/channel-settings.md, HTTPS proxy), "" without one.
std::string SmtpBesideProxy(const M365Config& c) {
  if (!c.https_proxy.proxy) return "";
  return "SMTP does not go through the HTTPS proxy " + c.https_proxy.proxy->Where() + " (" +
         c.https_proxy.source_name + "): it connects directly to " + Where(c);
}

// connect: DNS, TCP and the 220 greeting (on port 465 after the TLS handshake).
StatusOr<std::string> CheckConnect(const M365Config& c, SmtpConnection& smtp) {
  TakeLastCertificateError();
  SmtpStepResult r = smtp.Connect();
  const std::string beside_proxy = SmtpBesideProxy(c);
  if (!r.ok) {
    Status s = WithCertificateReason(DiagnoseSmtpTransport(r.step, r.error, r.reply, c));
    if (beside_proxy.empty()) return s;
    return s.WithRemedy(beside_proxy +
                        ", so the firewall must let this host reach it. Where only the proxy "
                        "may go out, use the Microsoft Graph route (Sending route graph, with "
                        "Microsoft Graph Mail.Send), which goes through the proxy. " +
                        s.remedy());
  }
  return "connected to " + Where(c) + (smtp.IsTls() ? " with implicit TLS" : "") + ": " +
         r.reply.ToString() + (beside_proxy.empty() ? "" : "; " + beside_proxy);
}

// starttls: EHLO, and STARTTLS among the capabilities (no token goes
// without TLS).
StatusOr<std::string> CheckStartTls(const M365Config& c, SmtpConnection& smtp) {
  SmtpStepResult r = smtp.Ehlo();
  if (!r.ok) return DiagnoseSmtpTransport(r.step, r.error, r.reply, c);
  if (smtp.IsTls()) return std::string("EHLO accepted; TLS already in place (port 465)");
  if (!smtp.OffersStartTls()) {
    return Status::FailedPrecondition(
        "the server at " + Where(c) + " did not offer STARTTLS, so no token was sent",
        "Exchange Online always offers STARTTLS on port 587: check SMTP host and "
        "Port (smtp.office365.com, 587). A firewall or antivirus that inspects "
        "SMTP may strip STARTTLS; exempt this host from it.");
  }
  return std::string("EHLO accepted; STARTTLS offered");
}

// tls: STARTTLS, the handshake with the certificate checked for the host
// name, EHLO again.
StatusOr<std::string> CheckTls(const M365Config& c, SmtpConnection& smtp) {
  if (smtp.IsTls()) {
    return "implicit TLS established at connect, certificate valid for " + c.smtp_host;
  }
  TakeLastCertificateError();
  SmtpStepResult r = smtp.StartTls();
  if (!r.ok) return WithCertificateReason(DiagnoseSmtpTransport(r.step, r.error, r.reply, c));
  return "TLS established; certificate trusted and valid for " + c.smtp_host;
}

// auth: XOAUTH2 offered after TLS, then AUTH XOAUTH2 as from_email with
// `token`. `claims`, when known, say which causes of a 535 they rule out.
StatusOr<std::string> CheckAuth(const M365Config& c, SmtpConnection& smtp, const std::string& token,
                                const JwtClaims* claims) {
  if (!smtp.OffersXoauth2()) {
    return Status::InvalidArgument(
        "the server at " + Where(c) + " does not offer AUTH XOAUTH2 after STARTTLS",
        "Check that SMTP host is Exchange Online (smtp.office365.com for the "
        "global cloud); other servers do not accept Microsoft 365 tokens.");
  }
  SmtpStepResult r = smtp.AuthXoauth2(c.from_email, token);
  if (r.ok) return "logged in as " + c.from_email + ": " + r.reply.ToString();
  if (r.reply.code == 0) return DiagnoseSmtpTransport(r.step, r.error, r.reply, c);
  return DiagnoseAuthReply(r.reply, c, claims);
}

// quit: QUIT. A lost QUIT says nothing about the configuration: always passes.
StatusOr<std::string> CheckQuit(SmtpConnection& smtp) {
  SmtpStepResult r = smtp.Quit();
  return r.ok ? r.reply.ToString()
              : "no reply to QUIT (" + r.error + "); the configuration is fine";
}

// test_message: one message to `recipient` over a connection of its own, as
// Deliver sends one (up to AUTH with `token`, the MIME of mime/, MAIL, RCPT,
// DATA, QUIT), one attempt. `claims` as for CheckAuth.
StatusOr<std::string> CheckTestMessage(const M365Config& c, const Poco::Net::Context::Ptr& tls,
                                       const std::string& token, const JwtClaims* claims,
                                       const std::string& recipient) {
  const std::string what = "the test message to " + recipient;
  StatusOr<MimeMessage> mime =
      BuildTestMessage(c, recipient, "Microsoft 365", /*bcc_header=*/false);
  if (!mime.ok()) return mime.status();

  SmtpConnection smtp(Endpoint(c, tls));
  ValidatedToken tokens(token);
  Status login = OpenAuthenticated(smtp, c.from_email, tokens);
  if (!login.ok()) {
    if (smtp.IsOpen()) (void)smtp.Quit();
    return login.WithMessage(what + " was not sent: " + login.message())
        .WithRemedy(login.remedy().empty() ? kTryAgain : login.remedy());
  }
  SmtpStepResult sent = smtp.SendMail(c.from_email, mime->recipients, mime->data);
  if (smtp.IsOpen()) (void)smtp.Quit();
  if (sent.ok) return "sent to " + recipient + ": " + sent.reply.ToString();

  if (sent.reply.code == 0) {
    std::string why =
        sent.outcome_unknown
            ? "no reply to the end of DATA; it may have been delivered (" + sent.error + ")"
            : sent.error;
    return Status::Unavailable(what + " was not accepted: " + why, kTryAgain);
  }
  Status refused = DiagnoseSendReply(sent.reply, c, claims);
  return refused.WithMessage(what + " was not accepted: " + sent.reply.ToString())
      .WithRemedy(!refused.remedy().empty()
                      ? refused.remedy()
                      : "Check the recipient address and the server's reply above.");
}

// Runs the steps in order and records them; after a failure the rest are skipped.
class StepRunner {
 public:
  StepRunner(const M365Config& config, notify::HostContext& host) : config_(config), host_(host) {}

  void Run(const char* name, const std::function<StatusOr<std::string>()>& body) {
    CheckStep step;
    step.name = name;
    if (failed_) {
      step.outcome = StepOutcome::kSkipped;
      step.detail = "not run: an earlier step failed";
      steps_.push_back(step);
      return;
    }
    auto start = std::chrono::steady_clock::now();
    // A step that throws fails alone; the report keeps the steps before it.
    StatusOr<std::string> end = [&]() -> StatusOr<std::string> {
      try {
        return body();
      } catch (...) {
        return Status::Internal("internal error: " + notify::sdk::DescribeCurrentException(),
                                kTryAgain);
      }
    }();
    step.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    step.outcome = end.ok() ? StepOutcome::kPassed : StepOutcome::kFailed;
    step.detail = Redact(
        Redact(end.ok() ? end.value() : end.status().message(), config_.client_secret, token_),
        graph_token_);
    step.remedy = end.ok() ? ""
                           : Redact(Redact(end.status().remedy(), config_.client_secret, token_),
                                    graph_token_);
    if (end.ok() && skip_next_pass_) step.outcome = StepOutcome::kSkipped;
    skip_next_pass_ = false;
    failed_ = !end.ok();
    // Info: the report already shows the outcome to whoever saves.
    LogForServer(host_, config_.server_name, notify::LogLevel::kInfo,
                 "check " + step.name + " " + notify::ToString(step.outcome) + " in " +
                     std::to_string(step.elapsed_ms) + " ms: " + step.detail);
    steps_.push_back(std::move(step));
  }

  // The tokens to redact from every later detail and remedy.
  void SetToken(const std::string& token) { token_ = token; }
  void SetGraphToken(const std::string& token) { graph_token_ = token; }
  // The step run next is reported skipped when it passes: it checked nothing.
  void SkipIfPassed() { skip_next_pass_ = true; }
  std::vector<CheckStep> TakeSteps() { return std::move(steps_); }

 private:
  const M365Config& config_;
  notify::HostContext& host_;
  std::vector<CheckStep> steps_;
  std::string token_;        // for redaction only
  std::string graph_token_;  // for redaction only
  bool failed_ = false;
  bool skip_next_pass_ = false;
};

}  // namespace

std::vector<notify::CheckStep> RunLiveChecks(const M365Config& c, Poco::Net::Context::Ptr tls,
                                             const std::string& test_recipient,
                                             notify::HostContext& host, const Clock& clock) {
  StepRunner run(c, host);
  std::string token;
  std::string graph_token;
  std::optional<JwtClaims> claims;
  auto known_claims = [&]() -> const JwtClaims* { return claims ? &*claims : nullptr; };
  RouteChoice route = DecideRoute(c.transport, nullptr, nullptr).value();

  if (c.transport == Transport::kGraph) {
    run.Run(kStepToken, [&] {
      StatusOr<std::string> end = CheckGraphToken(c, tls, clock, graph_token);
      run.SetGraphToken(graph_token);
      return end;
    });
    run.Run(kStepClaims, [&] { return CheckGraphClaims(c, graph_token, route.because); });
  } else {
    run.Run(kStepToken, [&] {
      StatusOr<std::string> end = CheckToken(c, tls, clock, token);
      run.SetToken(token);
      return end;
    });
    run.Run(kStepClaims, [&] {
      StatusOr<std::string> end = CheckClaims(c, tls, clock, token, claims, route, graph_token);
      run.SetGraphToken(graph_token);
      return end;
    });
  }
  if (route.route == Transport::kGraph) {
    // Graph's steps end with the mailbox (docs/channel-settings.md, Live checks at Save).
    bool needs_test = false;
    if (test_recipient.empty()) run.SkipIfPassed();
    run.Run(kStepMailbox,
            [&] { return CheckGraphMailbox(c, tls, graph_token, test_recipient, &needs_test); });
    return run.TakeSteps();
  }
  SmtpConnection smtp(Endpoint(c, tls));
  run.Run(kStepConnect, [&] { return CheckConnect(c, smtp); });
  run.Run(kStepStartTls, [&] { return CheckStartTls(c, smtp); });
  run.Run(kStepTls, [&] { return CheckTls(c, smtp); });
  run.Run(kStepAuth, [&] { return CheckAuth(c, smtp, token, known_claims()); });
  run.Run(kStepQuit, [&] { return CheckQuit(smtp); });
  if (!test_recipient.empty()) {
    run.Run(kStepTestMessage,
            [&] { return CheckTestMessage(c, tls, token, known_claims(), test_recipient); });
  }
  return run.TakeSteps();
}

}  // namespace m365
