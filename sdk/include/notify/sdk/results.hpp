#pragma once
// "One result per message, in the order given, always" (the Sender contract,
// docs/host-api.md), made to hold whatever a sender returned. The SDK's
// SenderBase applies it to the plugin's own delivery code, and a host applies
// it again to every sender, built on the SDK or not, so that no message is
// ever lost without a result.
#include <vector>

#include "notify/host_api/delivery.hpp"
#include "notify/host_api/message.hpp"

namespace notify::sdk {

// The start of the detail of a result made up for a message that got none.
inline constexpr const char* kNoResultDetail = "plugin returned no result";

// True when `results` holds exactly one result per message of `batch`, in the
// same order, each with its message's id: the contract already holds.
bool HasOneResultPerMessage(const std::vector<Message>& batch,
                            const std::vector<DeliveryResult>& results);

// Returns exactly one result per message of `batch`, in order, each with its
// message's id. For each message it takes, in this order of preference:
//   1. the result at the message's own position, when its id is the message's;
//   2. else the first result with the message's id that no message took by
//      (1) or (2) before it;
//   3. else a made-up result: retry_later, code 0, detail
//      "plugin returned no result; outcome unknown" (the plugin may have sent
//      the message before it lost track of it), retry_after_s 0.
// Results that no message takes (too many, or with unknown ids) are dropped.
// Returns `results` unchanged when HasOneResultPerMessage(batch, results).
// Throws only std::bad_alloc.
std::vector<DeliveryResult> OneResultPerMessage(const std::vector<Message>& batch,
                                                std::vector<DeliveryResult> results);

}  // namespace notify::sdk
