#pragma once
// `state.url = postgresql://USER@HOST:PORT/DB?PARAM=VALUE&...` read into the
// keyword/value connection string libpq takes through Poco::Data's PostgreSQL
// connector (docs/several-hosts.md, "Connecting").
//
// A password is refused in the URL: the settings file and the process's
// arguments are no place for it. libpq reads it from its password file
// (~/.pgpass, $PGPASSFILE or `passfile=`), or a service file (`service=`).
#include <string>

#include "notify/sdk/status.hpp"

namespace notify_host::state {

struct PostgreSQLTarget {
  // "host=... port=... dbname=... user=... connect_timeout=..." for libpq.
  std::string connection_string;
  // The URL as shown in messages (it never holds a secret).
  std::string shown;
};

// Reads `url`; an error names what is wrong and how to write it.
notify::sdk::StatusOr<PostgreSQLTarget> ParsePostgreSQLUrl(const std::string& url);

// True when `url` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgreSQLUrl(const std::string& url);

}  // namespace notify_host::state
