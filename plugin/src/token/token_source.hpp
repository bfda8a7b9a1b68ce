#pragma once
// What the SMTP side needs from the token side, and the only thing the two
// share (docs/architecture.md, The include rule): a current access token, and
// a fresh one after Exchange refused the cached one.
#include <string>

#include "notify/sdk/status.hpp"

namespace m365 {

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
};

}  // namespace m365
