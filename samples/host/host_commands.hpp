#pragma once
// The notify-host commands, independent of how the process started, so tests
// and the program share them.
#include <Poco/Util/AbstractConfiguration.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "plugin_loader.hpp"
#include "state/state_database.hpp"

namespace notify_host {

// Exit codes of notify-host.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,  // the host itself failed (unreadable store, ...)
  kExitUsage = 2,
  kExitInvalid = 3,       // validation failed; nothing stored
  kExitNotDelivered = 4,  // some message was not delivered
};

struct HostEnv {
  LoadOutcome plugins;
  // Where the state database and the host key are (state.url, secrets.key_file).
  state::StateOptions state_options;
  // Opened by the first command that needs it (OpenState, command_support.hpp).
  std::shared_ptr<state::StateDatabase> state;
  // The host's settings, for the commands that read more of them (serve:
  // http.*, delivery.*); nullptr reads as every key at its default.
  const Poco::Util::AbstractConfiguration* settings = nullptr;
};

// Runs `args`: the command word and everything after it (the host's global
// options before the command word are main's). `--help` anywhere among the
// command's options prints the usage. Never throws.
int RunCommand(const std::vector<std::string>& args, HostEnv& env, std::ostream& out,
               std::ostream& err);

// The usage text.
std::string UsageText();

}  // namespace notify_host
