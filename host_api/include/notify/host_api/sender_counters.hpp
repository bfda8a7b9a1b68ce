#pragma once
// What a sender has done that a host counts (Sender::Counters, since API
// 1.3): today the token requests its deliveries made. Plain values, copied
// freely. Within a major version the layout of this type never changes
// (api_version.hpp): a later minor that counts more adds a new type.
// docs/host-api.md has the contract.
#include <cstdint>

namespace notify {

// Totals since the sender was opened; they only grow. A host that exports
// them as metrics adds the difference between two reads.
struct SenderCounters {
  // Requests to a token endpoint (an OAuth2 client-credentials grant, say)
  // that this sender's deliveries started, by outcome. A token taken from a
  // cache, or a request another sender had already started and this one
  // shared, is not counted: the sum over all senders is the number of
  // requests sent.
  std::uint64_t token_requests_granted = 0;  // a token was issued
  std::uint64_t token_requests_refused = 0;  // a permanent refusal (wrong or expired credential)
  std::uint64_t token_requests_failed = 0;   // no answer, a server error or throttling
};

}  // namespace notify
