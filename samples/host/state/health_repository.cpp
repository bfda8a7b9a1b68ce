#include "state/health_repository.hpp"

#include <Poco/Data/Statement.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using Poco::Int64;

namespace {

std::vector<HealthRecord> Select(Transaction& tx, const std::string& where,
                                 const std::optional<std::string>& arg) {
  std::vector<std::string> ruleset, state, cause, remedy, warning;
  std::vector<Int64> since, revision, expires, updated;
  std::vector<int> failures;
  Poco::Data::Statement st(tx.session());
  st << tx.Sql(
      "SELECT ruleset, state, since, cause, remedy, consecutive_failures, warning, "
      "failing_revision, credential_expires_at, updated_at FROM channel_health " +
      where),
      into(ruleset), into(state), into(since), into(cause), into(remedy), into(failures),
      into(warning), into(revision), into(expires), into(updated);
  if (arg) st, bind(*arg);
  st.execute();
  std::vector<HealthRecord> all(ruleset.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = {ruleset[i],  state[i],   since[i],    cause[i],   remedy[i],
              failures[i], warning[i], revision[i], expires[i], updated[i]};
  }
  return all;
}

}  // namespace

std::optional<HealthRecord> HealthRepository::Find(const std::string& ruleset) {
  auto found = Select(tx_, "WHERE ruleset = ?", ruleset);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<HealthRecord> HealthRepository::All() {
  return Select(tx_, "ORDER BY ruleset", std::nullopt);
}

void HealthRepository::Put(const HealthRecord& h) {
  auto& s = tx_.session();
  s << tx_.Sql("DELETE FROM channel_health WHERE ruleset = ?"), bind(h.ruleset), now;
  s << tx_.Sql(
      "INSERT INTO channel_health (ruleset, state, since, cause, remedy, consecutive_failures, "
      "warning, failing_revision, credential_expires_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      bind(h.ruleset), bind(h.state), bind(Int64(h.since_ms)), bind(h.cause), bind(h.remedy),
      bind(h.consecutive_failures), bind(h.warning), bind(Int64(h.failing_revision)),
      bind(Int64(h.credential_expires_at_s)), bind(Int64(h.updated_at_ms)), now;
}

}  // namespace notify_host::state
