#pragma once
// What the delivery workers need from the outbox (docs/service.md,
// "Outbox"): the narrow view they are written and tested against. The
// service implements it over the state database (state_delivery_queue.hpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "notify/host_api/delivery.hpp"
#include "notify/host_api/message.hpp"
#include "notify/host_api/settings.hpp"

namespace notify_host {

// A notification claimed for one Deliver call (status `sending`).
struct ClaimedNotification {
  std::string id;
  std::string ruleset;
  notify::Message message;  // message.id == id
  std::string message_id;   // "<...>": the same at every attempt (docs/service.md, "Outbox")
  int attempts = 0;         // attempts made before this one
  std::int64_t created_at_ms = 0;
};

// What one attempt did to one notification.
struct AttemptRecord {
  std::string id;
  int attempt = 0;  // 1 for the first
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;
  notify::DeliveryResult result;
  std::string new_status;  // delivered | retry_later | rejected | expired | queued
  std::int64_t next_attempt_at_ms = 0;
};

// A ruleset as the workers use it.
struct DeliveryRuleset {
  std::string name;
  std::string channel;
  notify::Settings settings;
  std::int64_t revision = 0;  // grows at every save: a new revision resumes a failing ruleset
};

// The health of a ruleset as stored and shown (docs/service.md, "Health").
struct RulesetHealth {
  std::string state = "unknown";  // ok | warning | failing | unknown
  std::int64_t since_ms = 0;
  std::string cause;
  std::string remedy;
  int consecutive_failures = 0;
  std::int64_t failing_revision = 0;  // the revision that failed; 0 when not failing
  std::int64_t credential_expires_unix_s = 0;
};

// Thread-safe: workers call it concurrently.
class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;

  // Claimed notifications a previous run left `sending` (it ended without
  // recording their outcome) go back to `queued`, keeping their Message-ID.
  // A database several hosts share releases nothing: another host's claims
  // may be live, and a crashed host's lapse with their lease.
  virtual void ReleaseAbandonedClaims(std::int64_t now_ms) = 0;
  // Names of the rulesets with a notification due at `now_ms` (queued or
  // retry_later, next attempt not after now).
  virtual std::vector<std::string> RulesetsWithDue(std::int64_t now_ms) = 0;
  // Marks up to `limit` due notifications of `ruleset` `sending`, oldest
  // first, and returns them.
  virtual std::vector<ClaimedNotification> Claim(const std::string& ruleset, std::int64_t now_ms,
                                                 std::size_t limit) = 0;
  // Keeps this process's claims on `ids` for another lease from `now_ms`:
  // called while their Deliver call runs, so only a host that stopped
  // renewing (crashed, cut off) loses its claims to another host.
  virtual void ExtendClaims(const std::vector<std::string>& ids, std::int64_t now_ms) = 0;
  // Stores the attempts of one Deliver call at once.
  virtual void Record(const std::string& ruleset, const std::vector<AttemptRecord>& attempts) = 0;
  // Turns every waiting notification created before `created_before_ms`
  // into `expired`; returns them, as (id, ruleset).
  virtual std::vector<std::pair<std::string, std::string>> ExpireOlderThan(
      std::int64_t created_before_ms, std::int64_t now_ms) = 0;

  virtual std::optional<DeliveryRuleset> FindRuleset(const std::string& name) = 0;
  virtual void SaveHealth(const std::string& ruleset, const RulesetHealth& health) = 0;
  // The health stored by an earlier run: a ruleset that was failing stays
  // failing (and makes no token request) until it is saved again.
  virtual std::map<std::string, RulesetHealth> LoadHealth() = 0;
};

}  // namespace notify_host
