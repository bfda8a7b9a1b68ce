#pragma once
// What a plugin library exports, and what a host reads before it calls any
// of the plugin's functions. The contract is described in docs/host-api.md.
#include <cstdint>

#include "notify/host_api/abi_tag.hpp"
#include "notify/host_api/api_version.hpp"

namespace notify {

class HostContext;
class NotificationChannel;

// The plugin's descriptor: a constant in the plugin library, read in place by
// the host. Plain C types only, so that a host can read the descriptor of a
// plugin built against another API version or another standard library and
// refuse it with a clear message.
//
// New fields are only ever appended; `struct_size` (sizeof the struct the
// plugin was compiled with) tells the host which fields the plugin has. A host
// never reads a field that lies beyond struct_size. The strings are
// NUL-terminated, owned by the plugin library and valid for as long as it is
// loaded (which, in a host that never unloads, is the life of the process).
struct PluginDescriptor {
  std::uint32_t struct_size;
  std::uint16_t api_major;
  std::uint16_t api_minor;
  const char* id;            // stable channel id, e.g. "m365_oauth_smtp"
  const char* display_name;  // shown to administrators
  const char* version;       // the plugin's own version, e.g. "1.0.0"
  // The plugin's kAbiTag (abi_tag.hpp), e.g. "libstdc++ cxx11-abi=1". A host
  // refuses a plugin whose tag differs from its own, whose tag is null, or
  // whose descriptor is too short to hold this field, before calling anything.
  const char* abi_tag;
};

// Exported symbol names (Boost.DLL aliases). The descriptor's name never
// changes; the factory's name carries the API major it speaks, so that a
// plugin of another major has no factory this host could call by mistake.
#define NOTIFY_HOST_API_CAT2(a, b) a##b
#define NOTIFY_HOST_API_CAT(a, b) NOTIFY_HOST_API_CAT2(a, b)
#define NOTIFY_HOST_API_STR2(x) #x
#define NOTIFY_HOST_API_STR(x) NOTIFY_HOST_API_STR2(x)
// The factory's symbol as an identifier, e.g. notify_create_channel_v1; the
// SDK's export macro exports the factory under this name.
#define NOTIFY_FACTORY_SYMBOL NOTIFY_HOST_API_CAT(notify_create_channel_v, NOTIFY_HOST_API_MAJOR)

inline constexpr const char* kDescriptorSymbol = "notify_plugin_descriptor";
inline constexpr const char* kFactorySymbol = NOTIFY_HOST_API_STR(NOTIFY_FACTORY_SYMBOL);

static_assert(kApiVersion.major == NOTIFY_HOST_API_MAJOR,
              "NOTIFY_HOST_API_MAJOR names the factory symbol; change it with kApiVersion.major");

// The factory a plugin exports. Returns a new channel owned by the caller
// (destroyed with `delete`), or nullptr on failure; never throws. `host` is
// not null and outlives the channel and every sender the channel makes.
// The host calls it only after it has accepted the descriptor, and not from
// two threads at once.
using ChannelFactory = NotificationChannel*(HostContext* host);

}  // namespace notify
