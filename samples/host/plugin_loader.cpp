#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "plugin_trust.hpp"

namespace notify_host {
namespace {

namespace fs = std::filesystem;
using Library = boost::dll::shared_library;

// Libraries are opened with RTLD_NODELETE, so dlclose (when the
// boost::dll::shared_library handle goes) never unmaps them: a plugin stays
// resident for the life of the process. Its objects are not the only code of
// a plugin that can still run after the host lets go of them: a thread the
// plugin started (a detached DNS lookup waiting out its timeout, a pool
// winding down) or a static destructor may run after the last channel and
// sender are gone, and would jump into unmapped memory. Boost.DLL passes
// native dlopen flags through unchanged.
const boost::dll::load_mode::type kLoadMode =
    boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local |
    static_cast<boost::dll::load_mode::type>(RTLD_NODELETE);

// The HostContexts handed to plugins, kept for the same reason as the
// libraries: a plugin's thread may still log after its last object is gone,
// and the contract is that the context outlives everything of the plugin.
// Deliberately never destroyed (no exit-time destructor races such a thread).
void KeepForTheProcess(std::shared_ptr<notify::HostContext> context) {
  static auto* mutex = new std::mutex;
  static auto* contexts = new std::vector<std::shared_ptr<notify::HostContext>>;
  std::lock_guard<std::mutex> lock(*mutex);
  contexts->push_back(std::move(context));
}

std::string VersionText(notify::ApiVersion v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor);
}

// The library file for `stem`, or "" when neither naming exists. A symbolic
// link or something that is not a file counts as existing: LibraryProblem
// then says why it is not loaded.
std::string FindLibrary(const std::string& directory, const std::string& stem) {
  for (const std::string& name : {stem + ".so", "lib" + stem + ".so"}) {
    fs::path p = fs::path(directory) / name;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(p, ec))) return p.string();
  }
  return "";
}

// True when the descriptor, `struct_size` bytes long, holds the field that
// ends `field_end` bytes into the struct.
bool Holds(const notify::PluginDescriptor& d, std::size_t field_end) {
  return d.struct_size >= field_end;
}

// Says why the descriptor cannot be used, or "" when it can. Reads only the
// descriptor's data: nothing of the plugin runs.
std::string CheckDescriptor(const notify::PluginDescriptor& d) {
  constexpr std::size_t kMinimum = offsetof(notify::PluginDescriptor, version) + sizeof(char*);
  if (!Holds(d, kMinimum)) {
    return "descriptor is " + std::to_string(d.struct_size) + " bytes, host needs at least " +
           std::to_string(kMinimum);
  }
  // The ABI first: with another standard library not even the API version
  // says anything about the layout of what would cross.
  constexpr std::size_t kAbiTagEnd = offsetof(notify::PluginDescriptor, abi_tag) + sizeof(char*);
  if (!Holds(d, kAbiTagEnd) || d.abi_tag == nullptr) {
    return std::string("no ABI tag: rebuild with this SDK (this host uses ") + notify::kAbiTag +
           ")";
  }
  if (std::strcmp(d.abi_tag, notify::kAbiTag) != 0) {
    return std::string("built with ") + d.abi_tag + ", this host uses " + notify::kAbiTag +
           ": rebuild the plugin with the host's compiler settings";
  }
  notify::ApiVersion plugin{d.api_major, d.api_minor};
  if (!notify::IsCompatible(notify::kApiVersion, plugin)) {
    return "built for host API " + VersionText(plugin) + ", this host needs API " +
           std::to_string(notify::kApiVersion.major) +
           ".x with x <= " + std::to_string(notify::kApiVersion.minor);
  }
  if (d.id == nullptr || *d.id == '\0') return "descriptor has no plugin id";
  return "";
}

}  // namespace

LoadOutcome LoadPlugins(const std::string& directory, const std::vector<std::string>& stems,
                        HostContextMaker make_context) {
  LoadOutcome out;
  std::map<std::string, std::string> file_of_id;
  std::error_code ec;
  const bool directory_exists = fs::exists(directory, ec);
  // Decided once: an unsafe directory refuses every plugin in it.
  const std::string directory_problem = directory_exists ? DirectoryProblem(directory) : "";
  for (const auto& stem : stems) {
    if (std::string why = StemProblem(stem); !why.empty()) {
      out.refused.push_back({stem, why});
      continue;
    }
    std::string file = FindLibrary(directory, stem);
    auto refuse = [&](std::string reason) {
      out.refused.push_back(
          {file.empty() ? directory + "/" + stem + ".so" : file, std::move(reason)});
    };
    if (file.empty()) {
      refuse("not found (looked for " + stem + ".so and lib" + stem + ".so in " + directory + ")");
      continue;
    }
    if (!directory_problem.empty()) {
      refuse(directory_problem);
      continue;
    }
    std::string resolved;
    if (std::string why = LibraryProblem(directory, file, &resolved); !why.empty()) {
      refuse(why);
      continue;
    }
    try {
      // dlopen runs the library's static initializers; nothing else of the
      // plugin runs before its descriptor has been accepted. The file opened
      // is the one LibraryProblem checked, links resolved.
      Library library(resolved, kLoadMode);
      if (!library.has(notify::kDescriptorSymbol)) {
        refuse(std::string("no '") + notify::kDescriptorSymbol +
               "' symbol: not a notification plugin (build it with NOTIFY_EXPORT_CHANNEL)");
        continue;
      }
      const auto& descriptor =
          library.get_alias<const notify::PluginDescriptor>(notify::kDescriptorSymbol);
      if (std::string why = CheckDescriptor(descriptor); !why.empty()) {
        refuse(why);
        continue;
      }
      std::string id = descriptor.id;
      if (auto seen = file_of_id.find(id); seen != file_of_id.end()) {
        refuse("plugin id '" + id + "' is already provided by " + seen->second);
        continue;
      }
      if (!library.has(notify::kFactorySymbol)) {
        refuse(std::string("no '") + notify::kFactorySymbol + "' symbol for API " +
               std::to_string(notify::kApiVersion.major));
        continue;
      }
      auto& factory = library.get_alias<notify::ChannelFactory>(notify::kFactorySymbol);
      std::shared_ptr<notify::HostContext> context = make_context(id);
      KeepForTheProcess(context);
      notify::NotificationChannel* raw = nullptr;
      try {
        raw = factory(context.get());
      } catch (const std::exception& e) {
        refuse(std::string("factory threw: ") + e.what());
        continue;
      } catch (...) {
        refuse("factory threw an unknown exception");
        continue;
      }
      if (raw == nullptr) {
        refuse("factory returned no channel (see the plugin's log line above)");
        continue;
      }
      LoadedChannel loaded;
      loaded.file = file;
      loaded.id = id;
      loaded.display_name = descriptor.display_name ? descriptor.display_name : id;
      loaded.version = descriptor.version ? descriptor.version : "";
      loaded.api = {descriptor.api_major, descriptor.api_minor};
      loaded.channel.reset(raw);
      file_of_id[id] = file;
      out.channels.push_back(std::move(loaded));
    } catch (const std::exception& e) {
      refuse(std::string("cannot load: ") + e.what());
    }
  }
  return out;
}

}  // namespace notify_host
