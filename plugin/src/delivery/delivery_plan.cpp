#include "delivery/delivery_plan.hpp"

#include <algorithm>

namespace m365 {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;

// The server's words: every line of the reply, without the codes.
std::string ReplyText(const SmtpReply& reply) {
  std::string text;
  for (std::size_t i = 0; i + 1 < reply.lines.size(); ++i) {
    text += reply.lines[i] + " ";
  }
  return text + reply.text;
}

DeliveryResult FromReply(const std::string& id, const SmtpReply& reply) {
  DeliveryResult r;
  r.id = id;
  r.code = reply.code;
  r.enhanced = reply.enhanced;
  r.detail = ReplyText(reply);
  if (reply.code >= 200 && reply.code < 300) {
    r.status = DeliveryStatus::kDelivered;
  } else if (reply.transient()) {
    r.status = DeliveryStatus::kRetryLater;
    r.retry_after_s = RetryAfterFor(reply);
  } else {
    r.status = DeliveryStatus::kRejected;
  }
  return r;
}

}  // namespace

std::vector<std::vector<std::size_t>> SplitIntoChunks(const std::vector<std::size_t>& items,
                                                      int batch_size) {
  std::size_t size = static_cast<std::size_t>(std::max(1, batch_size));
  std::vector<std::vector<std::size_t>> chunks;
  for (std::size_t i = 0; i < items.size(); i += size) {
    chunks.emplace_back(
        items.begin() + static_cast<std::ptrdiff_t>(i),
        items.begin() + static_cast<std::ptrdiff_t>(std::min(i + size, items.size())));
  }
  return chunks;
}

DeliveryResult ResultOfSend(const std::string& id, const SmtpStepResult& sent) {
  if (sent.ok) return FromReply(id, sent.reply);
  if (sent.connection_lost && sent.reply.code == 0) {
    DeliveryResult r;
    r.id = id;
    r.status = DeliveryStatus::kRetryLater;
    if (sent.outcome_unknown) {
      r.detail =
          "outcome unknown: the connection was lost after the end of DATA, before the "
          "server's reply; the message may have been delivered (" +
          sent.error + ")";
    } else {
      r.detail = "not sent: the connection was lost during the message (" + sent.error + ")";
    }
    return r;
  }
  if (sent.reply.code == 0) {  // refused before anything was sent (cannot happen for valid input)
    DeliveryResult r;
    r.id = id;
    r.status = DeliveryStatus::kRejected;
    r.detail = sent.error;
    return r;
  }
  return FromReply(id, sent.reply);
}

DeliveryResult ResultOfLogin(const std::string& id, const LoginOutcome& login) {
  DeliveryResult r;
  r.id = id;
  r.code = login.reply.code;
  r.enhanced = login.reply.enhanced;
  r.retry_after_s = login.retry_after_s;
  r.detail = login.error;
  if (!login.remedy.empty()) r.detail += " Remedy: " + login.remedy;
  r.status = login.permanent ? DeliveryStatus::kRejected : DeliveryStatus::kRetryLater;
  if (r.status == DeliveryStatus::kRejected) r.retry_after_s = 0;
  return r;
}

DeliveryResult ResultOfInvalidMessage(const std::string& id, const std::string& error) {
  DeliveryResult r;
  r.id = id;
  r.status = DeliveryStatus::kRejected;
  r.detail = "invalid message: " + error;
  return r;
}

int RetryAfterFor(const SmtpReply& reply) {
  return (reply.code == 421 || reply.code == 432) ? 60 : 0;
}

}  // namespace m365
