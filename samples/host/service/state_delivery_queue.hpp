#pragma once
// The workers' DeliveryQueue over the state database's outbox, rulesets and
// health (state/*_repository.hpp): each call is one short transaction.
#include <string>

#include "service/delivery_queue.hpp"
#include "state/state_database.hpp"

namespace notify_host {

class StateDeliveryQueue : public DeliveryQueue {
 public:
  // `db` must outlive the queue. `host` names this process's claims, which
  // last `lease_ms` unless renewed (ExtendClaims).
  StateDeliveryQueue(state::StateDatabase& db, std::string host, std::int64_t lease_ms);

  void ReleaseAbandonedClaims(std::int64_t now_ms) override;
  std::vector<std::string> RulesetsWithDue(std::int64_t now_ms) override;
  std::vector<ClaimedNotification> Claim(const std::string& ruleset, std::int64_t now_ms,
                                         std::size_t limit) override;
  void ExtendClaims(const std::vector<std::string>& ids, std::int64_t now_ms) override;
  void Record(const std::string& ruleset, const std::vector<AttemptRecord>& attempts) override;
  std::vector<std::pair<std::string, std::string>> ExpireOlderThan(std::int64_t created_before_ms,
                                                                   std::int64_t now_ms) override;
  std::optional<DeliveryRuleset> FindRuleset(const std::string& name) override;
  void SaveHealth(const std::string& ruleset, const RulesetHealth& health) override;
  std::map<std::string, RulesetHealth> LoadHealth() override;

 private:
  state::StateDatabase& db_;
  std::string host_;
  std::int64_t lease_ms_;
};

}  // namespace notify_host
