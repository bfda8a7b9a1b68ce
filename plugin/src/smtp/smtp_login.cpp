#include "smtp/smtp_login.hpp"

#include <utility>

#include "smtp/reply_status.hpp"

namespace m365 {
namespace {

using notify::sdk::Status;

// What a failed step of the dialogue says: the server's refusal, or a
// connection that failed.
Status FromStep(const std::string& step, const SmtpStepResult& result) {
  if (result.reply.code != 0) {
    return StatusOfReply(result.reply, step + " refused: " + result.reply.ToString());
  }
  return Status::Unavailable(result.error.empty() ? step + " failed" : result.error);
}

// Up to an encrypted, EHLO'd connection that offers XOAUTH2.
Status ConnectSecurely(SmtpConnection& connection) {
  SmtpStepResult r = connection.Connect();
  if (!r.ok) return FromStep(r.step, r);
  r = connection.Ehlo();
  if (!r.ok) return FromStep(r.step, r);
  if (!connection.IsTls()) {
    if (!connection.OffersStartTls()) {
      (void)connection.Quit();
      return Status::FailedPrecondition(
          "the server does not offer STARTTLS; no token is sent without TLS");
    }
    r = connection.StartTls();
    if (!r.ok) {
      // A server that went silent is like any other: another attempt may
      // fare better.
      if (r.timed_out) return FromStep(r.step, r);
      // No reply code: the TLS handshake failed, most often a certificate
      // that is not trusted or not valid for the host name.
      if (r.reply.code == 0) {
        return Status::FailedPrecondition(r.error.empty() ? "STARTTLS failed" : r.error);
      }
      return FromStep(r.step, r);
    }
  }
  if (!connection.OffersXoauth2()) {
    (void)connection.Quit();
    return Status::InvalidArgument("the server does not offer AUTH XOAUTH2 after STARTTLS");
  }
  return Status::Ok();
}

}  // namespace

Status NoAccessToken(const Status& why) {
  Status failed = why.WithMessage("no access token: " + why.message());
  if (!why.IsTransient()) return failed;
  return Status::FailedPrecondition(failed.message(), failed.remedy(), failed.retry_after());
}

Status OpenAuthenticated(SmtpConnection& connection, const std::string& mailbox,
                         TokenSource& tokens) {
  Status secure = ConnectSecurely(connection);
  if (!secure.ok()) return secure;
  notify::sdk::StatusOr<std::string> token = tokens.Get();
  if (!token.ok()) {
    (void)connection.Quit();
    return NoAccessToken(token.status());
  }
  SmtpStepResult auth = connection.AuthXoauth2(mailbox, token.value());
  if (auth.ok) return Status::Ok();
  if (auth.reply.code != 535) return FromStep("AUTH XOAUTH2", auth);

  // The cached token may have been revoked or have expired early: one fresh
  // token, one more try.
  notify::sdk::StatusOr<std::string> fresh = tokens.Refresh(token.value());
  if (!fresh.ok()) {
    (void)connection.Quit();
    return NoAccessToken(fresh.status());
  }
  if (!connection.IsOpen()) {
    secure = ConnectSecurely(connection);
    if (!secure.ok()) return secure;
  }
  auth = connection.AuthXoauth2(mailbox, fresh.value());
  return auth.ok ? Status::Ok() : FromStep("AUTH XOAUTH2", auth);
}

}  // namespace m365
