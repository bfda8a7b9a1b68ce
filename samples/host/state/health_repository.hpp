#pragma once
// Channel health per ruleset (docs/architecture.md, "State database"), as the
// service decides it: ok / warning / failing / unknown, since when, the cause
// and remedy of a failure, how many permanent failures in a row, the ruleset
// revision that failed (a save makes a new revision, which resumes it), and
// when the credential expires. Removed with its ruleset.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "state/state_database.hpp"

namespace notify_host::state {

struct HealthRecord {
  std::string ruleset;
  std::string state = "unknown";  // ok | warning | failing | unknown
  std::int64_t since_ms = 0;
  std::string cause;
  std::string remedy;
  int consecutive_failures = 0;
  std::string warning;                       // e.g. a credential that expires soon
  std::int64_t failing_revision = 0;         // 0 when not failing
  std::int64_t credential_expires_at_s = 0;  // Unix seconds; 0 when unknown
  std::int64_t updated_at_ms = 0;
};

class HealthRepository {
 public:
  explicit HealthRepository(Transaction& tx) : tx_(tx) {}

  std::optional<HealthRecord> Find(const std::string& ruleset);
  // Every ruleset's stored health, by ruleset.
  std::vector<HealthRecord> All();
  // Stores `health` for health.ruleset, replacing what was there.
  void Put(const HealthRecord& health);

 private:
  Transaction& tx_;
};

}  // namespace notify_host::state
