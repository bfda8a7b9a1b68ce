#pragma once
// What the SMTP side needs from the token side, and the only thing the two
// share (docs/architecture.md, The include rule): a current access token, and
// a fresh one after Exchange refused the cached one.
#include <cstdint>
#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

// Requests a token source sent to the token endpoint, by outcome.
struct TokenRequestCounts {
  std::uint64_t granted = 0;  // a token was issued
  std::uint64_t refused = 0;  // a permanent refusal (not IsTransient())
  std::uint64_t failed = 0;   // transient: no answer, a server error, throttling
};

// Hands out access tokens. Thread-safe.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // An access token valid for a while yet (never logged), or the Status
  // saying why there is none: its code tells a configuration error from a
  // transient failure (IsTransient(), with retry_after when known), with a
  // message and a remedy. Cached while fresh; concurrent callers share one
  // request.
  virtual notify::sdk::StatusOr<std::string> Get() = 0;
  // Forgets `rejected` if it is still the cached token and returns a new one,
  // as Get() does. Concurrent refreshes of the same token make one request.
  virtual notify::sdk::StatusOr<std::string> Refresh(const std::string& rejected) = 0;
  // The permanent refusal the source still stands by (the credential was
  // refused for good and asking again would not help yet), or OK. Makes no
  // request: a caller may give up before it connects anywhere.
  virtual notify::sdk::Status StandingRefusal() { return notify::sdk::Status::Ok(); }
  // The token requests this source's own calls sent (a token from a cache,
  // or a request another caller started and this one waited for, is not
  // one), for the sender's counters (docs/delivery.md, Tokens). Thread-safe.
  virtual TokenRequestCounts Requests() const { return {}; }
};

}  // namespace m365
