#pragma once
// An in-memory DeliveryQueue for the workers' tests: the rules of the real
// one (state_delivery_queue.hpp) in a map, with every attempt kept.
#include <algorithm>
#include <map>
#include <mutex>

#include "service/delivery_queue.hpp"

namespace notify_host::testing {

class FakeOutbox : public DeliveryQueue {
 public:
  struct Row {
    ClaimedNotification n;
    std::string status = "queued";
    std::int64_t next_at = 0;
  };

  void Add(const std::string& id, const std::string& ruleset, std::int64_t created_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    Row r;
    r.n.id = id;
    r.n.ruleset = ruleset;
    r.n.message.id = id;
    r.n.message.to = {"someone@contoso.com"};
    r.n.message.subject = "n " + id;
    r.n.message_id = "<" + id + "@notify-host>";
    r.n.created_at_ms = created_ms;
    r.next_at = created_ms;
    rows_[id] = r;
    order_.push_back(id);
  }
  void SetRuleset(DeliveryRuleset r) {
    std::lock_guard<std::mutex> lock(mutex_);
    rulesets_[r.name] = r;
  }

  void ReleaseAbandonedClaims(std::int64_t) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, r] : rows_)
      if (r.status == "sending") r.status = "queued";
  }
  std::vector<std::string> RulesetsWithDue(std::int64_t now) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& id : order_) {
      const Row& r = rows_[id];
      if (Waiting(r) && r.next_at <= now &&
          std::find(out.begin(), out.end(), r.n.ruleset) == out.end())
        out.push_back(r.n.ruleset);
    }
    return out;
  }
  std::vector<ClaimedNotification> Claim(const std::string& ruleset, std::int64_t now,
                                         std::size_t limit) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<ClaimedNotification> out;
    for (const auto& id : order_) {
      Row& r = rows_[id];
      if (out.size() < limit && r.n.ruleset == ruleset && Waiting(r) && r.next_at <= now) {
        r.status = "sending";
        out.push_back(r.n);
      }
    }
    return out;
  }
  void ExtendClaims(const std::vector<std::string>& ids, std::int64_t now) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& id : ids) renewed_at_[id].push_back(now);
  }
  // When each notification's claim was renewed.
  std::vector<std::int64_t> RenewedAt(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return renewed_at_[id];
  }
  void Record(const std::string&, const std::vector<AttemptRecord>& attempts) override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& a : attempts) {
      Row& r = rows_[a.id];
      r.status = a.new_status;
      r.next_at = a.next_attempt_at_ms;
      r.n.attempts = a.attempt;
      attempts_.push_back(a);
    }
  }
  std::vector<std::pair<std::string, std::string>> ExpireOlderThan(std::int64_t before,
                                                                   std::int64_t) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::pair<std::string, std::string>> expired;
    for (auto& [id, r] : rows_) {
      if (Waiting(r) && r.n.created_at_ms < before) {
        r.status = "expired";
        expired.emplace_back(id, r.n.ruleset);
      }
    }
    return expired;
  }
  std::optional<DeliveryRuleset> FindRuleset(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = rulesets_.find(name);
    if (it == rulesets_.end()) return std::nullopt;
    return it->second;
  }
  void SaveHealth(const std::string& ruleset, const RulesetHealth& h) override {
    std::lock_guard<std::mutex> lock(mutex_);
    health_[ruleset] = h;
  }

  std::map<std::string, RulesetHealth> LoadHealth() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return health_;
  }

  std::map<std::string, int> CountByStatus() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, int> out;
    for (const auto& [id, r] : rows_) ++out[r.status];
    return out;
  }
  std::vector<AttemptRecord> Attempts() {
    std::lock_guard<std::mutex> lock(mutex_);
    return attempts_;
  }
  Row Get(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return rows_[id];
  }

 private:
  static bool Waiting(const Row& r) { return r.status == "queued" || r.status == "retry_later"; }
  std::mutex mutex_;
  std::map<std::string, Row> rows_;
  std::vector<std::string> order_;
  std::map<std::string, DeliveryRuleset> rulesets_;
  std::map<std::string, RulesetHealth> health_;
  std::map<std::string, std::vector<std::int64_t>> renewed_at_;
  std::vector<AttemptRecord> attempts_;
};

}  // namespace notify_host::testing
