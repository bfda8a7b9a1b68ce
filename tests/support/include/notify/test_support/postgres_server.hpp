#pragma once
// A PostgreSQL server of its own for a test: Debian's postgresql binaries,
// a cluster made by initdb in a temporary directory, reached only through a
// unix socket in that directory (no TCP port, nothing on the network), with
// a password the client reads from a libpq password file. Stopped and removed
// when the object ends.
//
// initdb and postgres refuse to run as root; under root (CI containers) they
// run as `nobody` through setpriv, and the directory is handed to that user.
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "notify/test_support/command_run.hpp"

namespace notify::test_support {

class PostgresServer {
 public:
  PostgresServer() {
    char tmpl[] = "/tmp/notify-pg-XXXXXX";  // short: a socket path has at most 107 bytes
    if (!::mkdtemp(tmpl)) {
      error_ = "cannot make a temporary directory";
      return;
    }
    dir_ = tmpl;
    bin_ = FindBinaries();
    if (bin_.empty()) {
      error_ = "no /usr/lib/postgresql/*/bin/initdb: install postgresql (scripts/install-deps.sh)";
      return;
    }
    std::random_device random;
    for (int i = 0; i < 24; ++i) password_ += "abcdefghijklmnopqrstuvwxyz0123456789"[random() % 36];
    const auto pwfile = dir_ / "initdb.password";
    std::ofstream(pwfile) << password_ << "\n";
    // The client's password file: 0600, as libpq requires.
    const auto pgpass = dir_ / "client" / "pgpass";
    std::filesystem::create_directory(dir_ / "client");
    std::ofstream(pgpass) << "*:*:*:notify:" << password_ << "\n";
    ::chmod(pgpass.c_str(), 0600);
    ::chmod((dir_ / "client").c_str(), 0700);
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      if (!nobody) {
        error_ = "running as root and there is no user 'nobody' to run postgres as";
        return;
      }
      as_user_ = {"setpriv", "--reuid=" + std::to_string(nobody->pw_uid),
                  "--regid=" + std::to_string(nobody->pw_gid), "--clear-groups", "--"};
      if (::chown(dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0 ||
          ::chown(pwfile.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
        error_ = "cannot hand the temporary directory to nobody";
        return;
      }
    }
    auto made = Run({bin_ + "/initdb", "-D", (dir_ / "data").string(), "-U", "notify",
                     "--pwfile=" + pwfile.string(), "--auth=scram-sha-256", "-E", "UTF8",
                     "--no-sync", "--no-instructions"},
                    120);
    if (made.rc != 0) {
      error_ = "initdb failed: " + made.err + made.out;
      return;
    }
    std::filesystem::remove(pwfile);
    Start();
  }

  ~PostgresServer() {
    if (running_) Stop("immediate");
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Empty when the server runs; else what went wrong.
  const std::string& error() const { return error_; }

  // state.url for notify-host on `database`: the socket directory and the
  // password file as libpq parameters; no password in it.
  std::string Url(const std::string& database = "postgres") const {
    return "postgresql://notify@/" + database + "?host=" + dir_.string() +
           "&passfile=" + (dir_ / "client" / "pgpass").string();
  }
  // Makes an empty database `name` (a test's own); false when psql fails.
  bool CreateDatabase(const std::string& name) const {
    return Psql("CREATE DATABASE " + name).rc == 0;
  }

  // Stops the server ("fast": clients are disconnected, "immediate": as a
  // crash would) and returns when it is down.
  bool Stop(const std::string& mode = "fast") {
    auto r = Run(
        {bin_ + "/pg_ctl", "-D", (dir_ / "data").string(), "-m", mode, "-w", "-t", "60", "stop"},
        90);
    running_ = false;
    if (r.rc != 0) error_ = "pg_ctl stop failed: " + r.err;
    return r.rc == 0;
  }

  // Starts it (again) on the same directory; returns when it takes connections.
  bool Start() {
    auto r =
        Run({bin_ + "/pg_ctl", "-D", (dir_ / "data").string(), "-l", (dir_ / "server.log").string(),
             "-w", "-t", "90", "-o",
             "-k " + dir_.string() + " -c listen_addresses='' -F -c max_connections=200", "start"},
            120);
    running_ = r.rc == 0;
    if (!running_) error_ = "pg_ctl start failed: " + r.err + ReadWholeFile(dir_ / "server.log");
    return running_;
  }

  // Runs `sql` with psql as the notify role in `database`; its output
  // (unaligned, tuples only).
  CommandRun Psql(const std::string& sql, const std::string& database = "postgres") const {
    std::vector<std::string> args = {
        "-h", dir_.string(), "-U", "notify",          "-d", database, "-X",
        "-A", "-t",          "-v", "ON_ERROR_STOP=1", "-c", sql};
    setenv("PGPASSFILE", (dir_ / "client" / "pgpass").c_str(), 1);
    auto scratch = dir_ / "client";
    return RunCommand(bin_ + "/psql", args, scratch, 60);
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  static std::string FindBinaries() {
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const auto bin = e.path() / "bin";
      if (std::filesystem::exists(bin / "initdb") && bin.string() > best) best = bin.string();
    }
    return best;
  }

  // Runs a server program, as `nobody` when the test is root.
  CommandRun Run(std::vector<std::string> command, int limit_s) const {
    std::vector<std::string> all = as_user_;
    all.insert(all.end(), command.begin(), command.end());
    const std::string program = all.front();
    all.erase(all.begin());
    // Output files in a directory the root test process owns.
    return RunCommand(program, all, dir_ / "client", limit_s);
  }

  std::filesystem::path dir_;
  std::string bin_;
  std::string password_;
  std::vector<std::string> as_user_;
  std::string error_;
  bool running_ = false;
};

}  // namespace notify::test_support
