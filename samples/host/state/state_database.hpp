#pragma once
// The state database of notify-host (docs/architecture.md, "State database"):
// rulesets, the outbox, delivery attempts, channel health and API keys, in
// one database reached through Poco::Data. The CLI and `notify-host serve`
// share it.
//
// How to use it:
//   auto db = StateDatabase::Open(options);          // migrates, checks the key
//   if (!db.ok()) ... db.status().message()/remedy()
//   {
//     auto tx = db.value()->BeginWrite();            // BEGIN IMMEDIATE on SQLite
//     RulesetRepository rulesets(tx);                 // ruleset_repository.hpp
//     OutboxRepository outbox(tx);                    // outbox_repository.hpp
//     ...                                             // throws StateError on failure
//     tx.Commit();                                    // else rolled back when tx ends
//   }
// A StateDatabase is shared by threads; a Transaction belongs to one thread
// and holds one pooled connection until it ends. Repositories are thin views
// over a Transaction: make one per transaction, on the stack.
//
// Times are Unix milliseconds given by the caller (no clock is read here), so
// tests drive them.
//
// The SQL is written for SQLite and PostgreSQL alike, with '?' placeholders
// (Transaction::Sql makes them PostgreSQL's); what differs is in
// sql_dialect.hpp.
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Semaphore.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "notify/sdk/status.hpp"
#include "state/secret_box.hpp"
#include "state/sql_dialect.hpp"

namespace notify_host::state {

// A database failure inside a transaction (I/O, a lock held longer than the
// busy timeout, a value that does not decrypt). The transaction it happened in
// is rolled back when it ends. what() is safe to show: it never holds a secret.
class StateError : public std::runtime_error {
 public:
  StateError(const std::string& message, std::string remedy)
      : std::runtime_error(message), remedy_(std::move(remedy)) {}
  const std::string& remedy() const { return remedy_; }

 private:
  std::string remedy_;
};

struct StateOptions {
  // `state.url`: `sqlite:PATH` (PATH relative to base_dir unless absolute)
  // or `postgresql://USER@HOST:PORT/DB?PARAM=VALUE...` (no password in it:
  // libpq reads it from its password file, docs/several-hosts.md).
  std::string url = "sqlite:state.db";
  // Directory relative paths are taken from: the settings file's directory.
  std::string base_dir = ".";
  // The host key file (host_key.hpp); empty: $CREDENTIALS_DIRECTORY/notify-host.key
  // when systemd gives one, else `notify-host.key` in base_dir.
  std::string key_file;
  // How long a statement waits for another process's write lock.
  int busy_timeout_ms = 30000;
  // Connections kept for threads (serve); the CLI needs one. A thread that
  // wants one while all are in use waits up to kConnectionWait for one.
  int max_connections = 8;
};

class StateDatabase;

// One transaction on one pooled connection. Rolled back when it ends without
// Commit(). Not copyable; movable.
class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // Commits; throws StateError when the database refuses (then nothing of the
  // transaction is stored).
  void Commit();
  // The connection, for the repositories.
  Poco::Data::Session& session() { return session_; }
  // `sql` (written with '?' placeholders) as this database takes it.
  std::string Sql(const std::string& sql) const { return ForDialect(dialect(), sql); }
  SqlDialect dialect() const;
  const SecretBox& secrets() const;
  bool active() const { return active_; }

 private:
  friend class StateDatabase;
  Transaction(const StateDatabase& db, std::shared_ptr<void> permit, Poco::Data::Session session,
              bool write);
  const StateDatabase* db_;
  // Before session_: the connection goes back to the pool before its permit.
  std::shared_ptr<void> permit_;
  Poco::Data::Session session_;
  bool active_ = false;
};

class StateDatabase {
 public:
  // How long a thread waits for one of the max_connections connections when
  // all are in use: transactions are short, so a wait this long means the
  // database is stuck, and the caller's error says so.
  static constexpr std::chrono::seconds kConnectionWait{5};

  // Opens the database `options.url`, checks the host key against the key
  // check value the database holds (or stores one in a new database), then
  // runs the forward migrations that are missing, all in one write
  // transaction, so two processes starting at once migrate once. A wrong key
  // or a database written by a newer notify-host is an error that changes
  // nothing. The error names the file and what to do.
  static notify::sdk::StatusOr<std::unique_ptr<StateDatabase>> Open(const StateOptions& options);

  ~StateDatabase();

  // BEGIN IMMEDIATE on SQLite: the write lock is taken at once, so two
  // writers never deadlock upgrading a read lock; the second waits up to the
  // busy timeout. Throws StateError when the lock is not had in time (or,
  // on PostgreSQL, when the server cannot be reached).
  Transaction BeginWrite() const;
  // A consistent read (BEGIN); writes inside it may fail with a busy error.
  Transaction BeginRead() const;

  // True when the database answers a trivial query (for /healthz).
  bool Ping() const;

  SqlDialect dialect() const { return dialect_; }
  const SecretBox& secrets() const { return *secrets_; }
  // The schema version after Open: the highest migration applied.
  int schema_version() const { return schema_version_; }
  // Where the data lives, for messages: the database file or the URL without
  // its password.
  const std::string& where() const { return where_; }
  // The key file that was used.
  const std::string& key_file() const { return key_file_; }

 private:
  StateDatabase() = default;
  Transaction Begin(bool write) const;
  // Waits up to kConnectionWait until fewer than max_connections are in use
  // (Poco's SessionPool throws at once when all are) and counts one more
  // until the returned permit is destroyed; throws StateError after the wait.
  std::shared_ptr<void> TakeConnectionPermit() const;
  // A connection from the pool (docs/several-hosts.md: during an outage no
  // new PostgreSQL connection is tried before the server answers a ping).
  Poco::Data::Session Connection() const;

  SqlDialect dialect_ = SqlDialect::kSQLite;
  std::unique_ptr<Poco::Data::SessionPool> pool_;
  std::unique_ptr<Poco::Semaphore> free_connections_;
  int max_connections_ = 1;
  std::unique_ptr<SecretBox> secrets_;
  int schema_version_ = 0;
  int busy_timeout_ms_ = 30000;
  std::string where_;
  std::string key_file_;
};

// Runs `fn(tx)` in a write transaction and commits it; a StateError or
// Poco::Exception becomes an error Status (and the transaction is rolled
// back).
template <typename Fn>
notify::sdk::Status InWriteTransaction(const StateDatabase& db, Fn&& fn) {
  try {
    Transaction tx = db.BeginWrite();
    fn(tx);
    tx.Commit();
    return notify::sdk::Status::Ok();
  } catch (const StateError& e) {
    return notify::sdk::Status::Unavailable(e.what(), e.remedy());
  } catch (const Poco::Exception& e) {
    return notify::sdk::Status::Unavailable(
        "state database " + db.where() + ": " + e.displayText(),
        "Check the disk and the database file; nothing was changed.");
  }
}

}  // namespace notify_host::state
