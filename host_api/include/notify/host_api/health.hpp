#pragma once
// A sender's health (Sender::Health, since API 1.1): whether the ruleset it
// serves can deliver at all, and what an administrator must do when it
// cannot. Plain values, copied freely. Within a major version the layout of
// these types never changes (api_version.hpp); docs/host-api.md has the
// contract.
#include <cstdint>
#include <string>

namespace notify {

enum class HealthState {
  kUnknown,  // nothing known yet (no delivery tried), or the plugin predates API 1.1
  kOk,       // delivering, or nothing stands in the way
  kWarning,  // delivering, but something needs an administrator soon
             // (a credential that expires within days)
  kFailing,  // cannot deliver until an administrator changes something
             // (credential refused or expired); retrying will not help
};

// What a sender says about its ruleset's ability to deliver.
struct SenderHealth {
  HealthState state = HealthState::kUnknown;
  std::string cause;   // one sentence: what is wrong; empty for kOk and kUnknown
  std::string remedy;  // what to change, and where; empty when nothing is to do
  // When `state` began, in seconds since the Unix epoch (UTC); 0 when unknown.
  std::int64_t since_unix_s = 0;
  // When the credential the sender uses (a client secret whose expiry the
  // administrator entered, a certificate's notAfter) expires, in seconds
  // since the Unix epoch (UTC); 0 when unknown.
  std::int64_t credential_expires_unix_s = 0;
};

// Returns a stable lower-case name: "unknown", "ok", "warning", "failing".
inline const char* ToString(HealthState state) {
  switch (state) {
    case HealthState::kUnknown:
      return "unknown";
    case HealthState::kOk:
      return "ok";
    case HealthState::kWarning:
      return "warning";
    case HealthState::kFailing:
      return "failing";
  }
  return "unknown";
}

}  // namespace notify
