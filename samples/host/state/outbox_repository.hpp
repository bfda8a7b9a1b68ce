#pragma once
// The outbox in the state database (docs/architecture.md, "State database"):
// a notification is stored before it is acknowledged, claimed by a host for
// one Deliver call under a lease, and given one attempt row per result.
//
// Status moves: queued -> sending (ClaimDue) -> delivered | retry_later |
// rejected | expired (RecordAttempt, ExpireCreatedBefore); retry_later ->
// sending when due; sending -> queued when the claim is released or its
// lease lapsed (ReleaseClaims, and ClaimDue takes over a lapsed lease).
// Which status a result leads to, and when the next attempt is, is the
// caller's policy; this stores it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/state_database.hpp"

namespace notify_host::state {

struct NewNotification {
  std::string id;  // unique; chosen by the caller
  std::string ruleset;
  std::string message_json;  // the message as the API took it
  std::string message_id;    // "<...>", the same at every attempt
  std::optional<std::string> idempotency_key;
  std::string request_hash;  // of the request body: a key reused for another body is a conflict
  std::int64_t now_ms = 0;
};

struct EnqueueOutcome {
  std::string id;         // the new notification's, or the one the key names
  std::string status;     // its status now
  bool created = false;   // false: the idempotency key was seen before, nothing stored
  bool conflict = false;  // the key was seen before with another request_hash
};

struct NotificationRecord {
  std::string id;
  std::string ruleset;
  std::string message_json;
  std::string status;
  int attempts = 0;  // attempts recorded so far
  std::int64_t next_attempt_at_ms = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::string> last_result_json;
  std::string message_id;
  std::optional<std::string> idempotency_key;
  std::optional<std::string> claimed_by;
  std::optional<std::int64_t> lease_until_ms;
};

struct AttemptRow {
  std::string notification_id;
  int attempt = 0;  // 1 for the first
  std::string host;
  std::int64_t started_at_ms = 0;
  std::int64_t finished_at_ms = 0;
  std::string status;  // the DeliveryResult's: delivered | retry_later | rejected
  int code = 0;        // SMTP reply code, 0 when none
  std::string enhanced;
  std::string detail;
  std::int64_t retry_after_s = 0;
};

// What one Deliver result does to its notification.
struct AttemptOutcome {
  AttemptRow row;
  std::string new_status;  // delivered | retry_later | rejected | expired | queued
  std::int64_t next_attempt_at_ms = 0;
  std::string last_result_json;  // shown by GET /api/v1/notifications/{id}
};

class OutboxRepository {
 public:
  explicit OutboxRepository(Transaction& tx) : tx_(tx) {}

  // Stores a `queued` notification due at now. With an idempotency key seen
  // before, stores nothing and names the earlier notification (conflict when
  // its request_hash differs).
  EnqueueOutcome Enqueue(const NewNotification& n);

  std::optional<NotificationRecord> Find(const std::string& id);

  // Rulesets with a notification due at `now_ms`: queued or retry_later with
  // next_attempt_at <= now, or sending under a lapsed lease.
  std::vector<std::string> RulesetsWithDue(std::int64_t now_ms);

  // Claims up to `limit` due notifications of `ruleset` for `host` until
  // now + lease_ms (status sending), oldest first, and returns them. Call in a
  // write transaction; on PostgreSQL rows other hosts hold are skipped
  // (FOR UPDATE SKIP LOCKED).
  std::vector<NotificationRecord> ClaimDue(const std::string& ruleset, const std::string& host,
                                           std::int64_t now_ms, std::int64_t lease_ms,
                                           std::size_t limit);

  // Extends the lease of `host`'s claims on `ids` to `lease_until_ms`.
  void ExtendLease(const std::vector<std::string>& ids, const std::string& host,
                   std::int64_t lease_until_ms);

  // Stores the attempt row and moves the notification to new_status, when
  // `host` still holds its claim; false (nothing stored) when the claim was
  // lost (lease lapsed and taken over, or released).
  bool RecordAttempt(const AttemptOutcome& outcome, std::int64_t now_ms);

  // Puts `host`'s claims (every host's when `host` is empty) back to queued,
  // due at now; returns how many. For a clean stop, and at start for claims a
  // crashed run of this host left.
  std::size_t ReleaseClaims(const std::string& host, std::int64_t now_ms);

  // queued / retry_later notifications created before `created_before_ms`
  // become expired; returns them, as (id, ruleset), for the log and metrics.
  std::vector<std::pair<std::string, std::string>> ExpireCreatedBefore(
      std::int64_t created_before_ms, std::int64_t now_ms);

  // The attempts of `id`, in order.
  std::vector<AttemptRow> Attempts(const std::string& id);

  // Notifications by status (for /metrics).
  std::map<std::string, std::int64_t> CountByStatus();
  // created_at of the oldest queued / retry_later / sending notification.
  std::optional<std::int64_t> OldestWaitingCreatedAt();

 private:
  Transaction& tx_;
};

}  // namespace notify_host::state
