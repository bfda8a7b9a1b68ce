#pragma once
// What an SMTP reply says as a notify::sdk::Status: the one place where a
// reply's code and enhanced code become a StatusCode, for the login
// (smtp_login), the delivery results (delivery/delivery_plan) and the checks
// at Save (diagnostics). The replies are those of docs/microsoft-365.md, SMTP
// submission; what a host sees for each is in docs/delivery.md, Outcomes.
#include <chrono>
#include <string>

#include "notify/sdk/status.hpp"
#include "smtp/smtp_reply.hpp"

namespace m365 {

// How long to wait after `reply` before trying again: 60 s for 421 (closing)
// and 432 4.3.2 (too many connections for the mailbox), which Exchange frees
// within a minute (docs/microsoft-365.md); else 0, unknown.
std::chrono::seconds RetryAfterOf(const SmtpReply& reply);

// The failure `reply` reports, with `message` as its message, the reply
// attached (Status::reply_code, enhanced_code) and RetryAfterOf(reply); no
// remedy (diagnostics adds those). Call only for a reply that refused or did
// not complete a step (reply.code != 0):
//   4xx  transient, as RFC 5321 says: 432 kResourceExhausted (the mailbox's
//        connection limit), every other kUnavailable;
//   5xx  permanent: 535 5.7.139 kFailedPrecondition (SMTP AUTH is off), other
//        535 kUnauthenticated, 5.7.x and 5.2.x kPermissionDenied (send-as
//        denied, the mailbox's daily quota), 5.1.x kNotFound (no such
//        recipient), 530 kInternal (a login was missing: a client bug), 502
//        and 504 kFailedPrecondition (no such command or mechanism here), any
//        other kInvalidArgument; never a transient code;
//   2xx or 3xx where another reply was due: kUnknown.
// A 5xx is final for a delivery even where its code is kFailedPrecondition
// (docs/delivery.md, Outcomes): delivery/delivery_plan's ResultOf reads the
// reply's class as well as the code.
notify::sdk::Status StatusOfReply(const SmtpReply& reply, std::string message);

}  // namespace m365
