#include "smtp/reply_status.hpp"

#include <utility>

namespace m365 {

using notify::sdk::Status;
using notify::sdk::StatusCode;

std::chrono::seconds RetryAfterOf(const SmtpReply& reply) {
  return (reply.code == 421 || reply.code == 432) ? std::chrono::seconds(60)
                                                  : std::chrono::seconds(0);
}

namespace {

bool HasClass(const std::string& enhanced, const char* prefix) {
  return enhanced.rfind(prefix, 0) == 0;
}

StatusCode CodeOf(const SmtpReply& reply) {
  const std::string& e = reply.enhanced;
  if (reply.transient()) {
    return reply.code == 432 ? StatusCode::kResourceExhausted : StatusCode::kUnavailable;
  }
  if (!reply.permanent()) return StatusCode::kUnknown;
  if (reply.code == 535) {
    return e == "5.7.139" ? StatusCode::kFailedPrecondition : StatusCode::kUnauthenticated;
  }
  if (reply.code == 530) return StatusCode::kInternal;
  if (reply.code == 502 || reply.code == 504) return StatusCode::kFailedPrecondition;
  if (HasClass(e, "5.7.") || HasClass(e, "5.2.")) return StatusCode::kPermissionDenied;
  if (HasClass(e, "5.1.")) return StatusCode::kNotFound;
  return StatusCode::kInvalidArgument;
}

}  // namespace

Status StatusOfReply(const SmtpReply& reply, std::string message) {
  return Status(CodeOf(reply), std::move(message), "", RetryAfterOf(reply))
      .WithReply(reply.code, reply.enhanced);
}

}  // namespace m365
