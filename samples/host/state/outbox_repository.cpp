#include "state/outbox_repository.hpp"

#include <Poco/Data/Statement.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using Poco::Int64;

namespace {

// The columns of NotificationRecord; NULLs read as '' / 0 (a notification
// never has an empty key, claimer or result, nor a lease ending at 0).
constexpr char kColumns[] =
    "SELECT id, ruleset, message_json, status, attempts, next_attempt_at, created_at, "
    "updated_at, COALESCE(last_result_json, ''), message_id, COALESCE(idempotency_key, ''), "
    "COALESCE(claimed_by, ''), COALESCE(lease_until, 0) FROM notifications ";

std::optional<std::string> Optional(std::string s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// The notifications `where` (SQL after FROM, one '?' for `arg`) selects.
std::vector<NotificationRecord> Select(Transaction& tx, const std::string& where,
                                       const std::string& arg) {
  std::vector<std::string> id, ruleset, message, status, result, message_id, key, claimed;
  std::vector<int> attempts;
  std::vector<Int64> next, created, updated, lease;
  Poco::Data::Statement st(tx.session());
  st << tx.Sql(kColumns + where), into(id), into(ruleset), into(message), into(status),
      into(attempts), into(next), into(created), into(updated), into(result), into(message_id),
      into(key), into(claimed), into(lease), bind(arg);
  st.execute();
  std::vector<NotificationRecord> all(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) {
    auto& r = all[i];
    r.id = id[i];
    r.ruleset = ruleset[i];
    r.message_json = message[i];
    r.status = status[i];
    r.attempts = attempts[i];
    r.next_attempt_at_ms = next[i];
    r.created_at_ms = created[i];
    r.updated_at_ms = updated[i];
    r.last_result_json = Optional(result[i]);
    r.message_id = message_id[i];
    r.idempotency_key = Optional(key[i]);
    r.claimed_by = Optional(claimed[i]);
    if (lease[i] != 0) r.lease_until_ms = lease[i];
  }
  return all;
}

constexpr char kDue[] =
    "((status IN ('queued', 'retry_later') AND next_attempt_at <= ?) OR "
    "(status = 'sending' AND lease_until < ?))";

}  // namespace

EnqueueOutcome OutboxRepository::Enqueue(const NewNotification& n) {
  auto& s = tx_.session();
  if (n.idempotency_key) {
    std::vector<std::string> id, status, hash;
    s << tx_.Sql(
        "SELECT id, status, COALESCE(request_hash, '') FROM notifications "
        "WHERE idempotency_key = ?"),
        into(id), into(status), into(hash), bind(*n.idempotency_key), now;
    if (!id.empty()) {
      EnqueueOutcome seen;
      seen.id = id.front();
      seen.status = status.front();
      seen.conflict = hash.front() != n.request_hash;
      return seen;
    }
  }
  s << tx_.Sql(
      "INSERT INTO notifications (id, ruleset, message_json, status, attempts, "
      "next_attempt_at, created_at, updated_at, message_id, idempotency_key, request_hash) "
      "VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?)"),
      bind(n.id), bind(n.ruleset), bind(n.message_json), bind(Int64(n.now_ms)),
      bind(Int64(n.now_ms)), bind(Int64(n.now_ms)), bind(n.message_id),
      bind(n.idempotency_key ? Poco::Nullable<std::string>(*n.idempotency_key)
                             : Poco::Nullable<std::string>()),
      bind(n.request_hash), now;
  return {n.id, "queued", true, false};
}

std::optional<NotificationRecord> OutboxRepository::Find(const std::string& id) {
  auto found = Select(tx_, "WHERE id = ?", id);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<std::string> OutboxRepository::RulesetsWithDue(std::int64_t now_ms) {
  std::vector<std::string> names;
  tx_.session() << tx_.Sql(std::string("SELECT DISTINCT ruleset FROM notifications WHERE ") + kDue +
                           " ORDER BY ruleset"),
      into(names), bind(Int64(now_ms)), bind(Int64(now_ms)), now;
  return names;
}

std::vector<NotificationRecord> OutboxRepository::ClaimDue(const std::string& ruleset,
                                                           const std::string& host,
                                                           std::int64_t now_ms,
                                                           std::int64_t lease_ms,
                                                           std::size_t limit) {
  auto& s = tx_.session();
  std::string sql = std::string("SELECT id FROM notifications WHERE ruleset = ? AND ") + kDue +
                    " ORDER BY created_at, id LIMIT ?";
  sql += ClaimLockClause(tx_.dialect());
  std::vector<std::string> ids;
  s << tx_.Sql(sql), into(ids), bind(ruleset), bind(Int64(now_ms)), bind(Int64(now_ms)),
      bind(Int64(limit)), now;
  std::vector<NotificationRecord> claimed;
  for (const auto& id : ids) {
    s << tx_.Sql(
        "UPDATE notifications SET status = 'sending', claimed_by = ?, lease_until = ?, "
        "updated_at = ? WHERE id = ?"),
        bind(host), bind(Int64(now_ms + lease_ms)), bind(Int64(now_ms)), bind(id), now;
    auto r = Find(id);
    if (r) claimed.push_back(std::move(*r));
  }
  return claimed;
}

void OutboxRepository::ExtendLease(const std::vector<std::string>& ids, const std::string& host,
                                   std::int64_t lease_until_ms) {
  for (const auto& id : ids) {
    tx_.session() << tx_.Sql(
        "UPDATE notifications SET lease_until = ? WHERE id = ? AND claimed_by = ? "
        "AND status = 'sending'"),
        bind(Int64(lease_until_ms)), bind(id), bind(host), now;
  }
}

bool OutboxRepository::RecordAttempt(const AttemptOutcome& o, std::int64_t now_ms) {
  auto& s = tx_.session();
  const AttemptRow& a = o.row;
  Poco::Data::Statement update(s);
  update << tx_.Sql(
      "UPDATE notifications SET status = ?, attempts = ?, next_attempt_at = ?, "
      "last_result_json = ?, updated_at = ?, claimed_by = NULL, lease_until = NULL "
      "WHERE id = ? AND status = 'sending' AND claimed_by = ?"),
      bind(o.new_status), bind(a.attempt), bind(Int64(o.next_attempt_at_ms)),
      bind(o.last_result_json), bind(Int64(now_ms)), bind(a.notification_id), bind(a.host);
  if (update.execute() == 0) return false;
  s << tx_.Sql(
      "INSERT INTO attempts (notification_id, attempt, host, started_at, finished_at, status, "
      "code, enhanced, detail, retry_after_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      bind(a.notification_id), bind(a.attempt), bind(a.host), bind(Int64(a.started_at_ms)),
      bind(Int64(a.finished_at_ms)), bind(a.status), bind(a.code), bind(a.enhanced), bind(a.detail),
      bind(Int64(a.retry_after_s)), now;
  return true;
}

std::size_t OutboxRepository::ReleaseClaims(const std::string& host, std::int64_t now_ms) {
  Poco::Data::Statement st(tx_.session());
  if (host.empty()) {
    st << tx_.Sql(
        "UPDATE notifications SET status = 'queued', claimed_by = NULL, lease_until = NULL, "
        "next_attempt_at = ?, updated_at = ? WHERE status = 'sending'"),
        bind(Int64(now_ms)), bind(Int64(now_ms));
  } else {
    st << tx_.Sql(
        "UPDATE notifications SET status = 'queued', claimed_by = NULL, lease_until = NULL, "
        "next_attempt_at = ?, updated_at = ? WHERE status = 'sending' AND claimed_by = ?"),
        bind(Int64(now_ms)), bind(Int64(now_ms)), bind(host);
  }
  return st.execute();
}

std::vector<std::pair<std::string, std::string>> OutboxRepository::ExpireCreatedBefore(
    std::int64_t created_before_ms, std::int64_t now_ms) {
  std::vector<std::string> ids, rulesets;
  tx_.session() << tx_.Sql(
      "SELECT id, ruleset FROM notifications "
      "WHERE status IN ('queued', 'retry_later') AND created_at < ? ORDER BY created_at"),
      into(ids), into(rulesets), bind(Int64(created_before_ms)), now;
  std::vector<std::pair<std::string, std::string>> expired;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // Still waiting: another host may have claimed it since the SELECT.
    Poco::Data::Statement st(tx_.session());
    st << tx_.Sql(
        "UPDATE notifications SET status = 'expired', updated_at = ? "
        "WHERE id = ? AND status IN ('queued', 'retry_later')"),
        bind(Int64(now_ms)), bind(ids[i]);
    if (st.execute() > 0) expired.emplace_back(ids[i], rulesets[i]);
  }
  return expired;
}

std::vector<AttemptRow> OutboxRepository::Attempts(const std::string& id) {
  std::vector<int> attempt, code;
  std::vector<std::string> host, status, enhanced, detail;
  std::vector<Int64> started, finished, retry_after;
  tx_.session() << tx_.Sql(
      "SELECT attempt, host, started_at, finished_at, status, code, enhanced, "
      "detail, retry_after_s FROM attempts WHERE notification_id = ? "
      "ORDER BY attempt"),
      into(attempt), into(host), into(started), into(finished), into(status), into(code),
      into(enhanced), into(detail), into(retry_after), bind(id), now;
  std::vector<AttemptRow> rows(attempt.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i] = {id,        attempt[i], host[i],     started[i], finished[i],
               status[i], code[i],    enhanced[i], detail[i],  retry_after[i]};
  }
  return rows;
}

std::map<std::string, std::int64_t> OutboxRepository::CountByStatus() {
  std::vector<std::string> status;
  std::vector<Int64> count;
  tx_.session() << tx_.Sql("SELECT status, COUNT(*) FROM notifications GROUP BY status"),
      into(status), into(count), now;
  std::map<std::string, std::int64_t> all;
  for (std::size_t i = 0; i < status.size(); ++i) all[status[i]] = count[i];
  return all;
}

std::optional<std::int64_t> OutboxRepository::OldestWaitingCreatedAt() {
  std::vector<Int64> oldest;
  tx_.session() << tx_.Sql(
      "SELECT MIN(created_at) FROM notifications "
      "WHERE status IN ('queued', 'retry_later', 'sending') HAVING COUNT(*) > 0"),
      into(oldest), now;
  if (oldest.empty()) return std::nullopt;
  return oldest.front();
}

}  // namespace notify_host::state
