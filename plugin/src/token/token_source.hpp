#pragma once
// What the SMTP side needs from the token side: a current access token, and a
// fresh one after Exchange refused the cached one.
#include <string>

namespace m365 {

struct TokenResult {
  bool ok = false;
  std::string access_token;  // set when ok; never logged
  std::string error;         // when !ok: what failed, e.g. "AADSTS7000215: wrong client secret"
  std::string remedy;        // when !ok: what the administrator should change
  bool transient = false;    // when !ok: worth retrying later (throttled, 5xx, network)
  int retry_after_s = 0;     // when transient: how long to wait, 0 when unknown
};

class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A token valid for a while yet (cached while fresh; concurrent callers share
  // one request). Thread-safe.
  virtual TokenResult Get() = 0;
  // Forgets `rejected` if it is still the cached token and returns a new one.
  // Thread-safe; concurrent refreshes of the same token make one request.
  virtual TokenResult Refresh(const std::string& rejected) = 0;
};

}  // namespace m365
