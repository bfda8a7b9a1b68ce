#include "smtp/smtp_login.hpp"

#include <utility>

namespace m365 {
namespace {

using Failure = LoginOutcome::Failure;

LoginOutcome FromStep(const std::string& step, const SmtpStepResult& result) {
  LoginOutcome out;
  if (result.reply.code != 0) {
    out.failure = Failure::kServer;
    out.reply = result.reply;
    out.error = step + " refused: " + result.reply.ToString();
    out.permanent = result.reply.permanent();
    // 421 (closing) and 432 4.3.2 (too many connections for the mailbox):
    // Exchange frees these within a minute.
    if (result.reply.code == 421 || result.reply.code == 432) out.retry_after_s = 60;
  } else {
    out.failure = Failure::kTransport;
    out.error = result.error.empty() ? step + " failed" : result.error;
  }
  return out;
}

LoginOutcome FromToken(const notify::sdk::Status& why) {
  LoginOutcome out;
  out.failure = Failure::kToken;
  out.error = "no access token: " + why.message();
  out.remedy = why.remedy();
  out.permanent = !why.IsTransient();
  out.retry_after_s = static_cast<int>(why.retry_after().count());
  return out;
}

LoginOutcome Transport(std::string error) {
  LoginOutcome out;
  out.failure = Failure::kTransport;
  out.error = std::move(error);
  return out;
}

// Up to an encrypted, EHLO'd connection that offers XOAUTH2.
LoginOutcome ConnectSecurely(SmtpConnection& connection) {
  SmtpStepResult r = connection.Connect();
  if (!r.ok) return FromStep("the greeting", r);
  r = connection.Ehlo();
  if (!r.ok) return FromStep("EHLO", r);
  if (!connection.IsTls()) {
    if (!connection.OffersStartTls()) {
      connection.Quit();
      LoginOutcome out =
          Transport("the server does not offer STARTTLS; no token is sent without TLS");
      out.not_now = true;
      return out;
    }
    r = connection.StartTls();
    if (!r.ok) {
      LoginOutcome out = FromStep("STARTTLS", r);
      // No reply code: the TLS handshake failed, most often a certificate
      // that is not trusted or not valid for the host name.
      out.not_now = r.reply.code == 0;
      return out;
    }
  }
  if (!connection.OffersXoauth2()) {
    connection.Quit();
    LoginOutcome out = Transport("the server does not offer AUTH XOAUTH2 after STARTTLS");
    out.permanent = true;
    return out;
  }
  return LoginOutcome();
}

}  // namespace

LoginOutcome OpenAuthenticated(SmtpConnection& connection, const std::string& mailbox,
                               TokenSource& tokens) {
  LoginOutcome secure = ConnectSecurely(connection);
  if (!secure.ok()) return secure;
  notify::sdk::StatusOr<std::string> token = tokens.Get();
  if (!token.ok()) {
    connection.Quit();
    return FromToken(token.status());
  }
  SmtpStepResult auth = connection.AuthXoauth2(mailbox, token.value());
  if (auth.ok) return LoginOutcome();
  if (auth.reply.code != 535) return FromStep("AUTH XOAUTH2", auth);

  // The cached token may have been revoked or have expired early: one fresh
  // token, one more try.
  notify::sdk::StatusOr<std::string> fresh = tokens.Refresh(token.value());
  if (!fresh.ok()) {
    connection.Quit();
    return FromToken(fresh.status());
  }
  if (!connection.IsOpen()) {
    secure = ConnectSecurely(connection);
    if (!secure.ok()) return secure;
  }
  auth = connection.AuthXoauth2(mailbox, fresh.value());
  LoginOutcome out = auth.ok ? LoginOutcome() : FromStep("AUTH XOAUTH2", auth);
  out.token_refreshed = true;
  return out;
}

}  // namespace m365
