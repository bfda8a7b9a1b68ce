#pragma once
#include <cstdint>

namespace notify {

class HostContext;
class NotificationChannel;

// What a host reads from a plugin library before it creates anything. Plain C
// types only, so that a host can read the descriptor of a plugin built against
// another API version and refuse it with a clear message. New fields are only
// ever appended; `struct_size` tells the host which ones the plugin has.
struct PluginDescriptor {
  std::uint32_t struct_size;
  std::uint16_t api_major;
  std::uint16_t api_minor;
  const char* id;            // stable channel id, e.g. "m365_oauth_smtp"
  const char* display_name;  // shown to administrators
  const char* version;       // the plugin's own version, e.g. "1.0.0"
};

// Exported symbol names (Boost.DLL aliases). The descriptor's name never
// changes; the factory's name carries the API major it speaks.
inline constexpr const char* kDescriptorSymbol = "notify_plugin_descriptor";
inline constexpr const char* kFactorySymbol = "notify_create_channel_v1";

// The factory a plugin exports. Returns a new channel owned by the caller, or
// nullptr on failure; never throws. `host` outlives the channel.
using ChannelFactory = NotificationChannel*(HostContext* host);

}  // namespace notify
