#include "state/state_database.hpp"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Statement.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "state/host_key.hpp"
#include "state/postgresql_url.hpp"
#include "state/schema_migrations.hpp"

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using notify::sdk::Status;

namespace {

// The key check value: this text sealed with the host key. A key that does
// not open it is not the key the stored secrets were sealed with.
constexpr char kKeyCheckName[] = "key_check";
constexpr char kKeyCheckText[] = "notify-host host key check";
constexpr char kKeyCheckContext[] = "notify-host key check";

// Connections set up as every statement expects them: waiting for another
// process's lock instead of failing at once, foreign keys enforced.
class SQLitePool : public Poco::Data::SessionPool {
 public:
  SQLitePool(const std::string& file, int max_connections, int busy_timeout_ms)
      : Poco::Data::SessionPool(Poco::Data::SQLite::Connector::KEY, file, 1, max_connections, 60),
        busy_timeout_ms_(busy_timeout_ms) {}
  ~SQLitePool() override { shutdown(); }

 protected:
  void customizeSession(Poco::Data::Session& session) override {
    int set = 0;
    session << "PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms_), into(set), now;
    session << "PRAGMA foreign_keys = ON", now;
  }

 private:
  int busy_timeout_ms_;
};

// Connections to a PostgreSQL server shared by several hosts
// (docs/several-hosts.md): a row lock held by another host is waited for no
// longer than the busy timeout, as SQLite's busy timeout does.
class PostgreSQLPool : public Poco::Data::SessionPool {
 public:
  PostgreSQLPool(const std::string& connection_string, int max_connections, int busy_timeout_ms)
      : Poco::Data::SessionPool(Poco::Data::PostgreSQL::Connector::KEY, connection_string, 1,
                                max_connections, 60),
        connection_string_(connection_string),
        busy_timeout_ms_(busy_timeout_ms) {}
  ~PostgreSQLPool() override { shutdown(); }

  // A pooled connection; a new one only once the server answers a ping.
  // Poco 1.11's connector leaks the libpq connection of a failed connect,
  // and a host retries through an outage every poll interval.
  Poco::Data::Session Connection() {
    if (idle() == 0) {
      switch (PQping(connection_string_.c_str())) {
        case PQPING_OK:
          break;
        case PQPING_REJECT:
          throw Poco::Data::ConnectionFailedException(
              "the PostgreSQL server rejects connections (starting or shutting down)");
        default:
          throw Poco::Data::ConnectionFailedException("the PostgreSQL server does not answer");
      }
    }
    return get();
  }

 protected:
  void customizeSession(Poco::Data::Session& session) override {
    session << "SET lock_timeout = " + std::to_string(busy_timeout_ms_), now;
  }

 private:
  std::string connection_string_;
  int busy_timeout_ms_;
};

// The database file, made 0600 before SQLite opens it (SQLite would create it
// with the umask's mode) and refused when it is a symbolic link or not a
// regular file. Its -wal and -shm files take the same mode.
Status PrepareDatabaseFile(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string why = errno == ELOOP ? "is a symbolic link" : std::strerror(errno);
    return Status::FailedPrecondition(
        "state database " + file + " cannot be opened: " + why,
        "Check state.url in the host settings, that the directory exists and that the host "
        "may write to it (symbolic links are refused); nothing was changed.");
  }
  struct stat st {};
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular) {
    return Status::FailedPrecondition("state database " + file + " is not a regular file",
                                      "Point state.url at a database file.");
  }
  return Status::Ok();
}

std::optional<std::string> ReadKeyCheck(Poco::Data::Session& session, SqlDialect dialect) {
  if (!TableExists(session, dialect, "state_meta")) return std::nullopt;
  std::vector<std::string> values;
  session << ForDialect(dialect, "SELECT value FROM state_meta WHERE name = ?"), into(values),
      bind(std::string(kKeyCheckName)), now;
  if (values.empty()) return std::nullopt;
  return values.front();
}

Status WrongKey(const std::string& where, const std::string& key_file) {
  return Status::FailedPrecondition(
      "the host key " + key_file + " does not open the secrets in the state database " + where +
          "; nothing was changed",
      "Use the key file the database was created with (restore it from the backup taken with "
      "the database, or set secrets.key_file to it).");
}

Status Unreachable(const std::string& where, const Poco::Exception& e) {
  return Status::Unavailable(
      "state database " + where + " cannot be opened: " + e.displayText(),
      "Check that the PostgreSQL server answers (pg_isready), the user, the database and its "
      "password in libpq's password file (docs/several-hosts.md); nothing was changed.");
}

}  // namespace

// --- Transaction --------------------------------------------------------------

Transaction::Transaction(const StateDatabase& db, std::shared_ptr<void> permit,
                         Poco::Data::Session session, bool write)
    : db_(&db), permit_(std::move(permit)), session_(std::move(session)) {
  session_ << BeginStatement(db.dialect(), write), now;
  active_ = true;
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), permit_(other.permit_), session_(other.session_), active_(other.active_) {
  other.active_ = false;
}

Transaction::~Transaction() {
  if (!active_) return;
  try {
    session_ << "ROLLBACK", now;
  } catch (...) {
    // The connection is gone; so is the transaction.
  }
}

void Transaction::Commit() {
  if (!active_) throw StateError("commit without a transaction", "A fault in notify-host.");
  session_ << "COMMIT", now;
  active_ = false;
}

SqlDialect Transaction::dialect() const { return db_->dialect(); }
const SecretBox& Transaction::secrets() const { return db_->secrets(); }

// --- StateDatabase ------------------------------------------------------------

StateDatabase::~StateDatabase() = default;

notify::sdk::StatusOr<std::unique_ptr<StateDatabase>> StateDatabase::Open(
    const StateOptions& options) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });

  std::unique_ptr<StateDatabase> db(new StateDatabase);
  db->busy_timeout_ms_ = options.busy_timeout_ms;
  const std::string& url = options.url;
  const int connections = std::max(1, options.max_connections);
  db->max_connections_ = connections;
  db->free_connections_ = std::make_unique<Poco::Semaphore>(connections, connections);
  if (IsPostgreSQLUrl(url)) {
    auto target = ParsePostgreSQLUrl(url);
    if (!target.ok()) return target.status();
    db->dialect_ = SqlDialect::kPostgreSQL;
    db->where_ = target.value().shown;
    try {
      db->pool_ = std::make_unique<PostgreSQLPool>(target.value().connection_string, connections,
                                                   options.busy_timeout_ms);
    } catch (const Poco::Exception& e) {
      return Unreachable(db->where_, e);
    }
  } else {
    if (url.rfind("sqlite:", 0) != 0 || url.size() == 7) {
      return Status::InvalidArgument(
          "state.url '" + url + "' is neither sqlite:FILE nor postgresql://...",
          "Set state.url = sqlite:state.db (relative to the settings file's directory), "
          "sqlite:/var/lib/notify-host/state.db, or postgresql://USER@HOST:PORT/DATABASE when "
          "several hosts share the work.");
    }
    std::filesystem::path file(url.substr(7));
    if (file.is_relative()) file = std::filesystem::path(options.base_dir) / file;
    db->where_ = file.string();
    if (auto prepared = PrepareDatabaseFile(db->where_); !prepared.ok()) return prepared;
  }
  try {
    if (!db->pool_)
      db->pool_ = std::make_unique<SQLitePool>(db->where_, connections, options.busy_timeout_ms);
    std::optional<std::string> check;
    {
      Poco::Data::Session session = db->Connection();
      check = ReadKeyCheck(session, db->dialect_);
    }
    // A database that holds a key check holds secrets sealed with some key:
    // a missing key file is then an error, never a new key.
    db->key_file_ = HostKeyPath(options.key_file, options.base_dir);
    auto key = LoadHostKey(db->key_file_, !check.has_value());
    if (!key.ok()) return key.status();
    db->secrets_ = std::make_unique<SecretBox>(key.value());
    if (check && db->secrets_->Open(*check, kKeyCheckContext) != std::string(kKeyCheckText))
      return WrongKey(db->where_, db->key_file_);
    if (db->dialect_ == SqlDialect::kSQLite) {
      // WAL: readers do not block the writer nor the writer the readers.
      // Persistent in the file; set once, by whoever opens it first.
      Poco::Data::Session session = db->Connection();
      std::string mode;
      session << "PRAGMA journal_mode", into(mode), now;
      if (mode != "wal") session << "PRAGMA journal_mode = WAL", into(mode), now;
    }
    Transaction tx = db->BeginWrite();
    db->schema_version_ = MigrateInTransaction(tx.session(), db->dialect_);
    auto stored = ReadKeyCheck(tx.session(), db->dialect_);
    if (!stored) {
      tx.session() << tx.Sql("INSERT INTO state_meta (name, value) VALUES (?, ?)"),
          bind(std::string(kKeyCheckName)),
          bind(db->secrets_->Seal(kKeyCheckText, kKeyCheckContext)), now;
    } else if (db->secrets_->Open(*stored, kKeyCheckContext) != std::string(kKeyCheckText)) {
      return WrongKey(db->where_, db->key_file_);  // another process sealed it first
    }
    tx.Commit();
  } catch (const StateError& e) {
    return Status::FailedPrecondition("state database " + db->where_ + ": " + e.what(), e.remedy());
  } catch (const Poco::Exception& e) {
    if (db->dialect_ == SqlDialect::kPostgreSQL) return Unreachable(db->where_, e);
    return Status::Unavailable(
        "state database " + db->where_ + " cannot be opened: " + e.displayText(),
        "Check that it is a notify-host state database (sqlite3 FILE 'PRAGMA integrity_check'), "
        "that the disk is not full, and state.url in the host settings; nothing was changed.");
  }
  return db;
}

std::shared_ptr<void> StateDatabase::TakeConnectionPermit() const {
  if (!free_connections_->tryWait(
          std::chrono::duration_cast<std::chrono::milliseconds>(kConnectionWait).count())) {
    throw StateError("state database " + where_ + ": all " + std::to_string(max_connections_) +
                         " connections stayed in use for " +
                         std::to_string(kConnectionWait.count()) + " s",
                     dialect_ == SqlDialect::kPostgreSQL
                         ? "A statement may wait on a lock: look for long-running sessions in "
                           "pg_stat_activity. The host retries."
                         : "Another process may hold the database's write lock; the host "
                           "retries.");
  }
  // Owns nothing; its deleter gives the permit back when the last copy ends.
  Poco::Semaphore* free = free_connections_.get();
  return std::shared_ptr<void>(nullptr, [free](void*) { free->set(); });
}

Transaction StateDatabase::Begin(bool write) const {
  std::shared_ptr<void> permit = TakeConnectionPermit();
  try {
    return Transaction(*this, std::move(permit), Connection(), write);
  } catch (const Poco::Exception& e) {
    throw StateError(
        "state database " + where_ + ": cannot begin a transaction: " + e.displayText(),
        dialect_ == SqlDialect::kPostgreSQL
            ? "Check that the PostgreSQL server answers (pg_isready); the host retries."
            : "Another process may hold the database longer than the busy timeout (" +
                  std::to_string(busy_timeout_ms_) + " ms); try again.");
  }
}

Poco::Data::Session StateDatabase::Connection() const {
  if (dialect_ == SqlDialect::kPostgreSQL) return static_cast<PostgreSQLPool&>(*pool_).Connection();
  return pool_->get();
}

Transaction StateDatabase::BeginWrite() const { return Begin(true); }
Transaction StateDatabase::BeginRead() const { return Begin(false); }

bool StateDatabase::Ping() const {
  try {
    std::shared_ptr<void> permit = TakeConnectionPermit();
    Poco::Data::Session session = Connection();
    int one = 0;
    session << "SELECT 1", into(one), now;
    return one == 1;
  } catch (const Poco::Exception&) {
    return false;
  } catch (const StateError&) {
    return false;
  }
}

}  // namespace notify_host::state
