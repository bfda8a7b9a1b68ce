#pragma once
// notify-host serve and notify-host api-key create (docs/service.md).
#include <ostream>

#include "command_line.hpp"
#include "host_commands.hpp"

namespace notify_host {

// serve: opens the state database, starts the workers and the HTTP API,
// prints one JSON line {"listening":URL,"pid":N} when ready, then runs until
// SIGTERM or SIGINT: stops accepting, lets the running requests and Deliver
// calls finish, and returns kExitOk. kExitUsage for a bad setting (named),
// kExitError when the database cannot be opened or the address bound.
// Call it before any other thread is started: it blocks SIGTERM and SIGINT
// for the process's threads and waits for them itself.
int Serve(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

// api-key create NAME: makes a key, stores its hash under NAME and prints
// the key once, with how to use it.
int ApiKeyCreate(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

}  // namespace notify_host
