#pragma once
// The schema of the state database as forward migrations
// (docs/architecture.md, "State database"). Version N is applied once, in
// order, inside the write transaction StateDatabase::Open holds; a database
// at a higher version than this build knows is refused, never downgraded.
// Add a migration at the end; never change one that has shipped.
#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "state/state_database.hpp"

namespace notify_host::state {

struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;  // SQL both SQLite and PostgreSQL accept
};

// Every migration, in version order.
const std::vector<Migration>& Migrations();

// The version this build writes: the last migration's.
int LatestSchemaVersion();

// The highest applied version (0 for an empty database).
int AppliedSchemaVersion(Poco::Data::Session& session, SqlDialect dialect);

// Applies the migrations above the applied version; inside the caller's
// write transaction, which it first makes the only one migrating
// (LockForMigration), so hosts that start at once migrate once. Throws StateError when the database
// is newer than this build.
int MigrateInTransaction(Poco::Data::Session& session, SqlDialect dialect);

}  // namespace notify_host::state
