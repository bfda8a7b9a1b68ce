// Checks a client assertion (docs/microsoft-365.md, Certificate credentials)
// as Entra ID does: header, registered certificate, signature, audience,
// issuer, subject, time window and jti reuse, each failure with its AADSTS
// code. Written from the facts, not from the plugin.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "m365emu/emulator.hpp"

namespace m365emu::detail {

struct AssertionVerdict {
  bool ok = false;
  int http_status = 401;
  std::string error = "invalid_client";
  long code = 0;     // AADSTS code when !ok
  std::string text;  // the description without "AADSTSnnn: "
};

// Remembers the jti of every accepted assertion until it expires: a second
// use is refused. Thread-safe.
class JtiRegister {
 public:
  // False when `jti` was already used and has not expired at `now`.
  bool Use(const std::string& jti, std::int64_t expires_at, std::int64_t now);

 private:
  std::mutex mutex_;
  std::map<std::string, std::int64_t> used_;  // jti -> exp
};

// `expected_audience` is the token URL the request was sent to.
AssertionVerdict CheckClientAssertion(const std::string& assertion, const App& app,
                                      const std::string& client_id,
                                      const std::string& expected_audience, std::int64_t now,
                                      JtiRegister& jtis);

}  // namespace m365emu::detail
