#pragma once
// The one macro a plugin author needs: it exports the plugin's descriptor and
// its factory as Boost.DLL aliases, with an exception barrier around creation.
#include <boost/dll/alias.hpp>

#include "notify/host_api/host_api.hpp"
#include "notify/sdk/barrier.hpp"

namespace notify::sdk {

// Creates a `Channel` (constructible from HostContext&) or returns nullptr;
// never throws. The error goes to the host's log.
template <class Channel>
NotificationChannel* CreateChannel(HostContext* host) noexcept {
  if (host == nullptr) return nullptr;
  try {
    return new Channel(*host);
  } catch (...) {
    host->Log(LogLevel::kError, "channel creation failed: " + DescribeCurrentException());
    return nullptr;
  }
}

}  // namespace notify::sdk

// Exports ChannelClass as a plugin. Use once, at namespace scope, in one .cpp:
//   NOTIFY_EXPORT_CHANNEL(MyChannel, "my_id", "My channel", "1.0.0")
// The descriptor records the API version and the ABI tag of this build; the
// factory is exported under the name that carries the API major
// (NOTIFY_FACTORY_SYMBOL, e.g. notify_create_channel_v1).
#define NOTIFY_EXPORT_CHANNEL(ChannelClass, id, display_name, version)                  \
  namespace notify_plugin_export {                                                      \
  const ::notify::PluginDescriptor descriptor = {sizeof(::notify::PluginDescriptor),    \
                                                 ::notify::kApiVersion.major,           \
                                                 ::notify::kApiVersion.minor,           \
                                                 id,                                    \
                                                 display_name,                          \
                                                 version,                               \
                                                 ::notify::kAbiTag};                    \
  ::notify::NotificationChannel* create_channel(::notify::HostContext* host) noexcept { \
    return ::notify::sdk::CreateChannel<ChannelClass>(host);                            \
  }                                                                                     \
  }                                                                                     \
  BOOST_DLL_ALIAS(notify_plugin_export::descriptor, notify_plugin_descriptor)           \
  BOOST_DLL_ALIAS(notify_plugin_export::create_channel, NOTIFY_FACTORY_SYMBOL)
