#include "delivery/delivery_plan.hpp"

#include <algorithm>

#include "delivery/pacing.hpp"
#include "smtp/reply_status.hpp"

namespace m365 {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::sdk::Status;
using notify::sdk::StatusCode;

// The server's words: every line of the reply, without the codes.
std::string ReplyText(const SmtpReply& reply) {
  std::string text;
  for (std::size_t i = 0; i + 1 < reply.lines.size(); ++i) {
    text += reply.lines[i] + " ";
  }
  return text + reply.text;
}

}  // namespace

std::chrono::milliseconds PauseCap(std::chrono::seconds timeout) {
  return std::min<std::chrono::milliseconds>(kMaxPause, timeout);
}

std::chrono::milliseconds DeliverDeadline(std::chrono::seconds timeout, std::size_t chunks) {
  const auto n = static_cast<long long>(chunks);
  return (kMaxConnectAttempts + n) * std::chrono::milliseconds(timeout) +
         n * Backoff::MaxTotal(kMaxConnectAttempts - 1, PauseCap(timeout));
}

std::vector<std::vector<std::size_t>> SplitIntoChunks(const std::vector<std::size_t>& items,
                                                      int batch_size, int spread) {
  const std::size_t n = items.size();
  std::size_t size = static_cast<std::size_t>(std::max(1, batch_size));
  const std::size_t needed = (n + size - 1) / size;
  const std::size_t spread_to = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, spread)),
                                                      n / kMinMessagesPerSpreadChunk);
  std::vector<std::vector<std::size_t>> chunks;
  if (spread_to > needed) {
    // Even shares: the first n % spread_to chunks get one more.
    std::size_t at = 0;
    for (std::size_t c = 0; c < spread_to; ++c) {
      std::size_t share = n / spread_to + (c < n % spread_to ? 1 : 0);
      chunks.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(at),
                          items.begin() + static_cast<std::ptrdiff_t>(at + share));
      at += share;
    }
    return chunks;
  }
  for (std::size_t i = 0; i < n; i += size) {
    chunks.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                        items.begin() + static_cast<std::ptrdiff_t>(std::min(i + size, n)));
  }
  return chunks;
}

DeliveryResult ResultOf(const std::string& id, const Status& status) {
  DeliveryResult r;
  r.id = id;
  if (status.ok()) {
    r.status = DeliveryStatus::kDelivered;
    return r;
  }
  r.code = status.reply_code();
  r.enhanced = status.enhanced_code();
  r.detail = status.message();
  if (!status.remedy().empty()) r.detail += " Remedy: " + status.remedy();
  const bool final_reply = status.reply_code() >= 500;
  const bool later = status.IsTransient() || status.code() == StatusCode::kFailedPrecondition;
  if (later && !final_reply) {
    r.status = DeliveryStatus::kRetryLater;
    r.retry_after_s = static_cast<int>(status.retry_after().count());
  } else {
    r.status = DeliveryStatus::kRejected;
  }
  return r;
}

Status StatusOfSend(const SmtpStepResult& sent) {
  if (sent.ok) return Status::Ok();
  if (sent.connection_lost && sent.reply.code == 0) {
    if (sent.outcome_unknown) {
      return Status::Unknown(
          "outcome unknown: the connection was lost after the end of DATA, before the "
          "server's reply; the message may have been delivered (" +
          sent.error + ")");
    }
    return Status::Unavailable("not sent: the connection was lost during the message (" +
                               sent.error + ")");
  }
  // Refused before anything was sent (cannot happen for a message the builder made).
  if (sent.reply.code == 0) return Status::InvalidArgument(sent.error);
  return StatusOfReply(sent.reply, ReplyText(sent.reply));
}

DeliveryResult ResultOfSend(const std::string& id, const SmtpStepResult& sent) {
  DeliveryResult r = ResultOf(id, StatusOfSend(sent));
  if (r.status == DeliveryStatus::kDelivered) {
    r.code = sent.reply.code;
    r.enhanced = sent.reply.enhanced;
    r.detail = ReplyText(sent.reply);
  }
  return r;
}

DeliveryResult ResultOfInvalidMessage(const std::string& id, const std::string& error) {
  return ResultOf(id, Status::InvalidArgument("invalid message: " + error));
}

}  // namespace m365
