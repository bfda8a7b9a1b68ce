#pragma once
// Loads channel plugins at start-up with Boost.DLL. A plugin that cannot be
// used is refused with one reason and the host goes on without it.
#include <memory>
#include <string>
#include <vector>

#include "notify/host_api/host_api.hpp"

namespace notify_host {

// A loaded channel. Its library stays loaded, and the HostContext made for it
// stays alive, for the rest of the process (see LoadPlugins), so `channel` and
// the senders it opens may be destroyed in any order, at any time.
struct LoadedChannel {
  std::string file;  // the library's path
  std::string id;
  std::string display_name;
  std::string version;
  notify::ApiVersion api{};
  std::shared_ptr<notify::NotificationChannel> channel;
};

// A plugin the host did not load, and why: what it has and what was expected.
struct Refusal {
  std::string file;
  std::string reason;
};

struct LoadOutcome {
  std::vector<LoadedChannel> channels;
  std::vector<Refusal> refused;
};

// Makes the HostContext handed to the plugin with the given id. The loader
// keeps the context alive for the rest of the process.
using HostContextMaker = std::shared_ptr<notify::HostContext> (*)(const std::string& plugin_id);

// Loads `<directory>/<stem>.so` (or lib<stem>.so) for each stem, in order.
// Refuses, with one Refusal each: a stem that is not a plain name, a missing
// file, a directory or file that another user could have written
// (plugin_trust.hpp; decided before dlopen, so such a library's code never
// runs), a library that does not load, a missing descriptor symbol, a
// descriptor too short, an ABI tag that is missing or differs from the
// host's, an incompatible API version, an empty or already loaded id, a
// missing factory symbol, and a factory that throws or returns nothing.
// Everything but the last two is decided from the descriptor alone, before
// any function of the plugin is called.
//
// Libraries are never unloaded: each one, refused or not, stays mapped until
// the process ends. Never throws.
LoadOutcome LoadPlugins(const std::string& directory, const std::vector<std::string>& stems,
                        HostContextMaker make_context);

}  // namespace notify_host
