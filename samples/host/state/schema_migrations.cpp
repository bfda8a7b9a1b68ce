#include "state/schema_migrations.hpp"

#include <Poco/Data/Statement.h>

namespace notify_host::state {

using namespace Poco::Data::Keywords;

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> all = {
      {1,
       "rulesets, outbox, attempts, channel health, API keys",
       {
           // Host-wide values: the key check (state_database.cpp).
           "CREATE TABLE state_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
           // revision grows by one at every save: a writer that read
           // revision N stores only while it is still N.
           "CREATE TABLE rulesets (name TEXT PRIMARY KEY, channel TEXT NOT NULL, "
           "revision BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
           // sealed = 1: setting_value is SecretBox::Seal's output.
           "CREATE TABLE ruleset_settings (ruleset TEXT NOT NULL REFERENCES rulesets (name) "
           "ON DELETE CASCADE, setting_key TEXT NOT NULL, setting_value TEXT NOT NULL, "
           "sealed INTEGER NOT NULL, PRIMARY KEY (ruleset, setting_key))",
           // The outbox. claimed_by/lease_until: the host delivering it and
           // until when; a lapsed lease lets another host take it over.
           "CREATE TABLE notifications (id TEXT PRIMARY KEY, ruleset TEXT NOT NULL, "
           "message_json TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('queued', "
           "'sending', 'delivered', 'retry_later', 'rejected', 'expired')), "
           "attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_result_json TEXT, "
           "message_id TEXT NOT NULL, idempotency_key TEXT, request_hash TEXT, "
           "claimed_by TEXT, lease_until BIGINT)",
           "CREATE UNIQUE INDEX notifications_idempotency ON notifications (idempotency_key)",
           "CREATE INDEX notifications_due ON notifications (ruleset, status, next_attempt_at)",
           "CREATE INDEX notifications_by_status ON notifications (status, created_at)",
           // One row per Deliver result.
           "CREATE TABLE attempts (notification_id TEXT NOT NULL REFERENCES notifications (id) "
           "ON DELETE CASCADE, attempt INTEGER NOT NULL, host TEXT NOT NULL, "
           "started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL, status TEXT NOT NULL, "
           "code INTEGER NOT NULL, enhanced TEXT NOT NULL, detail TEXT NOT NULL, "
           "retry_after_s BIGINT NOT NULL, PRIMARY KEY (notification_id, attempt))",
           "CREATE TABLE channel_health (ruleset TEXT PRIMARY KEY, state TEXT NOT NULL, "
           "since BIGINT NOT NULL, cause TEXT NOT NULL, remedy TEXT NOT NULL, "
           "consecutive_failures INTEGER NOT NULL, warning TEXT NOT NULL, "
           "updated_at BIGINT NOT NULL)",
           "CREATE TABLE api_keys (name TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, "
           "created_at BIGINT NOT NULL)",
       }},
      {2,
       "health: the failing revision and the credential's expiry; API keys: a public id",
       {
           "ALTER TABLE channel_health ADD COLUMN failing_revision BIGINT NOT NULL DEFAULT 0",
           "ALTER TABLE channel_health ADD COLUMN credential_expires_at BIGINT NOT NULL "
           "DEFAULT 0",
           "ALTER TABLE api_keys ADD COLUMN key_id TEXT",
           "CREATE UNIQUE INDEX api_keys_by_id ON api_keys (key_id)",
       }},
      {3,
       "slot leases: limits shared by the hosts of one database",
       {
           // One row per slot held (database_slot_service.hpp): a row whose
           // expires_at has passed is a slot its host stopped renewing.
           "CREATE TABLE slot_leases (token TEXT PRIMARY KEY, name TEXT NOT NULL, "
           "holder TEXT NOT NULL, ttl_ms BIGINT NOT NULL, expires_at BIGINT NOT NULL)",
           "CREATE INDEX slot_leases_by_name ON slot_leases (name, expires_at)",
           "CREATE INDEX slot_leases_by_holder ON slot_leases (holder)",
       }},
  };
  return all;
}

int LatestSchemaVersion() { return Migrations().back().version; }

int AppliedSchemaVersion(Poco::Data::Session& session, SqlDialect dialect) {
  if (!TableExists(session, dialect, "schema_migrations")) return 0;
  Poco::Nullable<int> version;
  session << "SELECT MAX(version) FROM schema_migrations", into(version), now;
  return version.isNull() ? 0 : version.value();
}

int MigrateInTransaction(Poco::Data::Session& session, SqlDialect dialect) {
  LockForMigration(session, dialect);
  // Created only when missing (under the lock above), not IF NOT EXISTS:
  // PostgreSQL would print a notice at every start.
  if (!TableExists(session, dialect, "schema_migrations")) {
    session << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
               "description TEXT NOT NULL)",
        now;
  }
  int applied = AppliedSchemaVersion(session, dialect);
  if (applied > LatestSchemaVersion()) {
    throw StateError("the state database has schema version " + std::to_string(applied) +
                         "; this notify-host knows versions up to " +
                         std::to_string(LatestSchemaVersion()),
                     "Run the newer notify-host that wrote it, or restore a backup; nothing was "
                     "changed.");
  }
  for (const auto& m : Migrations()) {
    if (m.version <= applied) continue;
    for (const auto& sql : m.statements) session << sql, now;
    session << ForDialect(dialect,
                          "INSERT INTO schema_migrations (version, description) VALUES (?, ?)"),
        bind(m.version), bind(m.description), now;
    applied = m.version;
  }
  return applied;
}

}  // namespace notify_host::state
