#pragma once
// The outcome of delivering one message (Sender::Deliver).
// Plain values, copied freely. Within a major version the layout of these
// types never changes (api_version.hpp); docs/host-api.md has the contract.
#include <string>

namespace notify {

// Fluent Bit's OK / RETRY / ERROR: the host owns retry scheduling.
enum class DeliveryStatus {
  kDelivered,   // the server accepted the message (250 to the end of DATA)
  kRetryLater,  // transient: try again after retry_after_s; may already be delivered
                // when detail says "outcome unknown"
  kRejected,    // permanent: do not retry without a change
};

// One message's result. Sender::Deliver returns exactly one per message, in
// the batch's order.
struct DeliveryResult {
  std::string id;  // Message::id
  DeliveryStatus status = DeliveryStatus::kRejected;
  int code = 0;           // SMTP reply code, 0 when no reply was had
  std::string enhanced;   // enhanced status code, e.g. "2.0.0"; may be empty
  std::string detail;     // the server's text or what went wrong; never a secret
  int retry_after_s = 0;  // kRetryLater: how long to wait; 0 when unknown
};

inline const char* ToString(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kRetryLater:
      return "retry_later";
    case DeliveryStatus::kRejected:
      return "rejected";
  }
  return "rejected";
}

}  // namespace notify
