#include "state/sql_dialect.hpp"

#include <Poco/Data/Statement.h>
#include <Poco/Types.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;

std::string ForDialect(SqlDialect dialect, const std::string& sql) {
  if (dialect == SqlDialect::kSQLite) return sql;
  std::string out;
  out.reserve(sql.size() + 16);
  int number = 0;
  bool quoted = false;  // inside '...' ('' inside it toggles twice: still quoted)
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += '$' + std::to_string(++number);
    } else {
      out += c;
    }
  }
  return out;
}

const char* BeginStatement(SqlDialect dialect, bool write) {
  return write && dialect == SqlDialect::kSQLite ? "BEGIN IMMEDIATE" : "BEGIN";
}

bool TableExists(Poco::Data::Session& session, SqlDialect dialect, const std::string& table) {
  Poco::Int64 count = 0;  // COUNT is BIGINT on PostgreSQL
  if (dialect == SqlDialect::kSQLite) {
    session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", into(count),
        bind(table), now;
  } else {
    session << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
               "current_schema() AND table_name = $1",
        into(count), bind(table), now;
  }
  return count > 0;
}

void LockForMigration(Poco::Data::Session& session, SqlDialect dialect) {
  if (dialect != SqlDialect::kPostgreSQL) return;
  // Any fixed number: the lock names the notify-host schema, nothing else.
  constexpr Poco::Int64 kSchemaLock = 0x6e6f74696679;  // "notify"
  int locked = 0;
  session << "SELECT 1 FROM pg_advisory_xact_lock($1)", into(locked), bind(kSchemaLock), now;
}

void LockSlotName(Poco::Data::Session& session, SqlDialect dialect, const std::string& name) {
  if (dialect != SqlDialect::kPostgreSQL) return;
  // The two-key form: its locks never meet the schema lock's one-key form.
  constexpr int kSlotLocks = 0x736c6f74;  // "slot"
  // Another host holds the lock for three short statements: waiting longer
  // than this means it hangs, and the caller gets no slot rather than
  // waiting the busy timeout (a slot is asked for again anyway).
  session << "SET LOCAL lock_timeout = 2000", now;
  int locked = 0;
  session << "SELECT 1 FROM pg_advisory_xact_lock($1, hashtext($2))", into(locked),
      bind(kSlotLocks), bind(name), now;
}

const char* ClaimLockClause(SqlDialect dialect) {
  return dialect == SqlDialect::kPostgreSQL ? " FOR UPDATE SKIP LOCKED" : "";
}

}  // namespace notify_host::state
