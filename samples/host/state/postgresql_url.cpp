#include "state/postgresql_url.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <set>

namespace notify_host::state {

using notify::sdk::Status;

namespace {

// libpq keywords a URL may set as ?NAME=VALUE. `password` is not one of them.
const std::set<std::string>& AllowedParameters() {
  static const std::set<std::string> allowed = {"host",
                                                "hostaddr",
                                                "port",
                                                "dbname",
                                                "user",
                                                "passfile",
                                                "service",
                                                "sslmode",
                                                "sslrootcert",
                                                "sslcert",
                                                "sslkey",
                                                "sslcrl",
                                                "connect_timeout",
                                                "application_name",
                                                "keepalives",
                                                "keepalives_idle",
                                                "keepalives_interval",
                                                "keepalives_count",
                                                "target_session_attrs"};
  return allowed;
}

Status Refused(const std::string& what) {
  return Status::InvalidArgument(
      "state.url: " + what,
      "Write it as postgresql://USER@HOST:PORT/DATABASE (a socket directory as "
      "postgresql://USER@/DATABASE?host=/run/postgresql); the password goes in libpq's password "
      "file (~/.pgpass of the host's user, or ?passfile=FILE), never in the URL.");
}

// Poco's connector splits the connection string at spaces and '=' and takes
// no quoting: a value holding either cannot be passed.
bool Passable(const std::string& value) {
  return !value.empty() && value.find_first_of(" =\t\r\n'\\") == std::string::npos;
}

}  // namespace

bool IsPostgreSQLUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

notify::sdk::StatusOr<PostgreSQLTarget> ParsePostgreSQLUrl(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    return Refused("it is not a URL");  // not shown: it may hold a password
  }
  const std::string& user_info = uri.getUserInfo();
  if (user_info.find(':') != std::string::npos)
    return Refused("holds a password; nothing was opened");
  std::vector<std::pair<std::string, std::string>> keywords;
  if (!uri.getHost().empty()) keywords.emplace_back("host", uri.getHost());
  if (uri.getPort() != 0) keywords.emplace_back("port", std::to_string(uri.getPort()));
  std::string database = uri.getPath();
  if (!database.empty() && database.front() == '/') database.erase(0, 1);
  if (database.empty()) return Refused("names no database (postgresql://USER@HOST/DATABASE)");
  keywords.emplace_back("dbname", database);
  if (!user_info.empty()) keywords.emplace_back("user", user_info);
  bool has_timeout = false;
  for (const auto& [name, value] : uri.getQueryParameters()) {
    if (name == "password") return Refused("holds a password; nothing was opened");
    if (AllowedParameters().count(name) == 0)
      return Refused("parameter '" + name + "' is not one notify-host passes to libpq");
    if (name == "connect_timeout") has_timeout = true;
    keywords.emplace_back(name, value);
  }
  // Every network step has a deadline: connecting too.
  if (!has_timeout) keywords.emplace_back("connect_timeout", "10");
  PostgreSQLTarget target;
  for (const auto& [name, value] : keywords) {
    if (!Passable(value))
      return Refused(name + " holds a space, quote, backslash or '=', which cannot be passed on");
    if (!target.connection_string.empty()) target.connection_string += ' ';
    target.connection_string += name + "=" + value;
  }
  target.shown = url;
  return target;
}

}  // namespace notify_host::state
