#pragma once
// What SQLite and PostgreSQL write differently, in one place
// (docs/architecture.md, "State database"): every other statement of the
// state database is the same text on both, written with '?' placeholders.
#include <Poco/Data/Session.h>

#include <string>

namespace notify_host::state {

enum class SqlDialect { kSQLite, kPostgreSQL };

// `sql` as `dialect` takes it: PostgreSQL numbers its placeholders ($1, $2,
// ...), so each '?' outside a quoted literal becomes the next number there.
std::string ForDialect(SqlDialect dialect, const std::string& sql);

// The statement that opens a transaction. A write on SQLite takes the write
// lock at once (BEGIN IMMEDIATE), so two writers never deadlock upgrading a
// read lock; PostgreSQL locks rows as they are written.
const char* BeginStatement(SqlDialect dialect, bool write);

// True when `table` exists in the schema the session works in.
bool TableExists(Poco::Data::Session& session, SqlDialect dialect, const std::string& table);

// Makes every other host that migrates the same database wait until the
// caller's transaction ends. SQLite: BEGIN IMMEDIATE already did; PostgreSQL:
// a transaction-scoped advisory lock (released at COMMIT or ROLLBACK, and by
// the server when the connection dies).
void LockForMigration(Poco::Data::Session& session, SqlDialect dialect);

// Makes every other host that takes or counts a slot of `name` wait until
// the caller's transaction ends (database_slot_service.hpp). SQLite: BEGIN
// IMMEDIATE already did; PostgreSQL: a transaction-scoped advisory lock on
// the name's hash (two names with one hash only wait for each other), gone
// with the transaction, also when the host dies holding it; waited for 2 s
// at most, then the statement fails.
void LockSlotName(Poco::Data::Session& session, SqlDialect dialect, const std::string& name);

// The end of a claim's SELECT: on PostgreSQL rows another host is claiming
// are skipped instead of waited for (FOR UPDATE SKIP LOCKED); one SQLite
// writer at a time needs nothing.
const char* ClaimLockClause(SqlDialect dialect);

}  // namespace notify_host::state
