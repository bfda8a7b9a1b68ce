#pragma once
// The one way the channel writes a log line about one configured server: every
// line carries the prefix `m365_oauth_smtp [<server_name>]` so that an operator
// with several servers can tell them apart (docs/delivery.md, What the channel
// logs).

#include <string>

#include "notify/host_api/host_context.hpp"

namespace m365 {

// Logs `text` through the host, prefixed with the channel id and `server_name`.
inline void LogForServer(notify::HostContext& host, const std::string& server_name,
                         notify::LogLevel level, const std::string& text) {
  host.Log(level, "m365_oauth_smtp [" + server_name + "] " + text);
}

}  // namespace m365
