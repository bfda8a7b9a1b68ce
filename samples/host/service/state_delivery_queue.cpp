#include "service/state_delivery_queue.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Logger.h>

#include <sstream>

#include "service/message_json.hpp"
#include "state/health_repository.hpp"
#include "state/outbox_repository.hpp"
#include "state/ruleset_repository.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

std::string ResultJson(const notify::DeliveryResult& r) {
  Poco::JSON::Object o;
  o.set("status", notify::ToString(r.status));
  o.set("code", r.code);
  o.set("enhanced", ForJson(r.enhanced));
  o.set("detail", ForJson(r.detail));
  o.set("retry_after_s", r.retry_after_s);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

}  // namespace

StateDeliveryQueue::StateDeliveryQueue(state::StateDatabase& db, std::string host,
                                       std::int64_t lease_ms)
    : db_(db), host_(std::move(host)), lease_ms_(lease_ms) {}

void StateDeliveryQueue::ReleaseAbandonedClaims(std::int64_t now_ms) {
  // Several hosts on one PostgreSQL database (docs/several-hosts.md): the
  // claims in it may be another live host's; a crashed host's lapse with
  // their lease and are taken over then.
  if (db_.dialect() == state::SqlDialect::kPostgreSQL) return;
  auto tx = db_.BeginWrite();
  // Every host's: the process id in host_ changes at each start, and one
  // SQLite database has one serving host (docs/service.md, "Outbox").
  std::size_t n = state::OutboxRepository(tx).ReleaseClaims("", now_ms);
  tx.Commit();
  if (n > 0)
    Poco::Logger::get("notify.service.delivery")
        .warning(std::to_string(n) +
                 " notifications were being sent when the service last stopped without "
                 "recording them; they are queued again with the same Message-ID");
}

std::vector<std::string> StateDeliveryQueue::RulesetsWithDue(std::int64_t now_ms) {
  auto tx = db_.BeginRead();
  return state::OutboxRepository(tx).RulesetsWithDue(now_ms);
}

std::vector<ClaimedNotification> StateDeliveryQueue::Claim(const std::string& ruleset,
                                                           std::int64_t now_ms, std::size_t limit) {
  std::vector<state::NotificationRecord> rows;
  {
    auto tx = db_.BeginWrite();
    rows = state::OutboxRepository(tx).ClaimDue(ruleset, host_, now_ms, lease_ms_, limit);
    tx.Commit();
  }
  std::vector<ClaimedNotification> out;
  for (const auto& row : rows) {
    ClaimedNotification n;
    n.id = row.id;
    n.ruleset = row.ruleset;
    n.message = MessageFromJson(row.message_json, row.id);
    n.message_id = row.message_id;
    n.attempts = row.attempts;
    n.created_at_ms = row.created_at_ms;
    out.push_back(std::move(n));
  }
  return out;
}

void StateDeliveryQueue::ExtendClaims(const std::vector<std::string>& ids, std::int64_t now_ms) {
  auto tx = db_.BeginWrite();
  state::OutboxRepository(tx).ExtendLease(ids, host_, now_ms + lease_ms_);
  tx.Commit();
}

void StateDeliveryQueue::Record(const std::string&, const std::vector<AttemptRecord>& attempts) {
  auto tx = db_.BeginWrite();
  state::OutboxRepository outbox(tx);
  for (const auto& a : attempts) {
    state::AttemptOutcome o;
    o.row.notification_id = a.id;
    o.row.attempt = a.attempt;
    o.row.host = host_;
    o.row.started_at_ms = a.started_at_ms;
    o.row.finished_at_ms = a.finished_at_ms;
    o.row.status = notify::ToString(a.result.status);
    o.row.code = a.result.code;
    o.row.enhanced = a.result.enhanced;
    o.row.detail = a.result.detail;
    o.row.retry_after_s = a.result.retry_after_s;
    o.new_status = a.new_status;
    o.next_attempt_at_ms = a.next_attempt_at_ms;
    o.last_result_json = ResultJson(a.result);
    if (!outbox.RecordAttempt(o, a.finished_at_ms)) {
      // Its lease lapsed and another host took it over: that host's
      // attempt, with the same Message-ID, is the one recorded.
      Poco::Logger::get("notify.service.delivery")
          .warning("notification=" + a.id + ": the claim lapsed before its result (" +
                   o.row.status + ") was recorded; another host delivers it again");
    }
  }
  tx.Commit();
}

std::vector<std::pair<std::string, std::string>> StateDeliveryQueue::ExpireOlderThan(
    std::int64_t created_before_ms, std::int64_t now_ms) {
  auto tx = db_.BeginWrite();
  auto expired = state::OutboxRepository(tx).ExpireCreatedBefore(created_before_ms, now_ms);
  tx.Commit();
  return expired;
}

std::optional<DeliveryRuleset> StateDeliveryQueue::FindRuleset(const std::string& name) {
  auto tx = db_.BeginRead();
  auto stored = state::RulesetRepository(tx).Find(name);
  if (!stored) return std::nullopt;
  return DeliveryRuleset{stored->name, stored->channel, stored->settings, stored->revision};
}

void StateDeliveryQueue::SaveHealth(const std::string& ruleset, const RulesetHealth& h) {
  state::HealthRecord r;
  r.ruleset = ruleset;
  r.state = h.state;
  r.since_ms = h.since_ms;
  r.cause = h.cause;
  r.remedy = h.remedy;
  r.consecutive_failures = h.consecutive_failures;
  r.failing_revision = h.failing_revision;
  r.credential_expires_at_s = h.credential_expires_unix_s;
  r.updated_at_ms = h.since_ms;
  auto tx = db_.BeginWrite();
  state::HealthRepository(tx).Put(r);
  tx.Commit();
}

std::map<std::string, RulesetHealth> StateDeliveryQueue::LoadHealth() {
  std::map<std::string, RulesetHealth> out;
  auto tx = db_.BeginRead();
  for (const auto& r : state::HealthRepository(tx).All()) {
    RulesetHealth h;
    h.state = r.state;
    h.since_ms = r.since_ms;
    h.cause = r.cause;
    h.remedy = r.remedy;
    h.consecutive_failures = r.consecutive_failures;
    h.failing_revision = r.failing_revision;
    h.credential_expires_unix_s = r.credential_expires_at_s;
    out[r.ruleset] = h;
  }
  return out;
}

}  // namespace notify_host
