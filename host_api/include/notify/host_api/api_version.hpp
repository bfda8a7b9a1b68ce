#pragma once
// The host API version and the rule that decides which plugins a host loads.
//
// The host API is C++: its interfaces pass std::string, std::vector and
// std::map by reference across the shared-library boundary. That is safe only
// while both sides agree on the layout of every type they share, so the
// version rule below is a promise about layout, not only about names.
//
// A host accepts a plugin when the majors are equal and the plugin's minor is
// not newer than the host's (the rule Qt and GStreamer use): a plugin built
// against a newer minor may call what this host lacks.
//
// What a new MINOR version may do (an old plugin keeps working unchanged):
//   - add new types (structs, enums, interfaces);
//   - append new virtual functions at the END of an existing interface. The
//     host calls such a function only on plugins whose descriptor declares
//     that minor or newer; an older plugin's vtable does not have the slot;
//   - add new optional features reached only through new types (for example
//     a new interface a channel may also implement, found through a new
//     virtual that only newer plugins have);
//   - append fields to PluginDescriptor, which is plain C and carries its own
//     size (see plugin_descriptor.hpp).
//
// What no version short of a new MAJOR may do:
//   - change the layout of an existing type: no field added, removed,
//     reordered or retyped in an existing struct (ChannelInfo, Message,
//     DeliveryResult, FieldDescriptor, ValidationReport, ...);
//   - insert a virtual function anywhere but at the end, reorder virtuals, or
//     remove one;
//   - change the signature of an existing function (parameters, return type,
//     const or noexcept), or the values of an existing enum.
//
// The standard library must be the same on both sides, with the same ABI:
// std::string built with _GLIBCXX_USE_CXX11_ABI=0 is not the std::string of
// =1, and libc++'s is neither. No version number can promise that, so each
// plugin's descriptor carries an ABI tag (abi_tag.hpp) that the host compares
// with its own before it calls any function of the plugin.

#include <cstdint>

// The API major as a preprocessor number, so that the factory's exported
// symbol name can carry it (plugin_descriptor.hpp). Change it together with
// kApiVersion.major; a static_assert there ties the two.
#define NOTIFY_HOST_API_MAJOR 1

namespace notify {

struct ApiVersion {
  std::uint16_t major;
  std::uint16_t minor;
};

// The version this header set describes. A plugin records it in its
// descriptor; a host compares it with its own.
//   1.0  the first version
//   1.1  Sender::Health and SenderHealth (health.hpp)
//   1.2  a host may give a message's Message-ID as an extra header
//        (message.hpp); no layout changes
//   1.3  Sender::Counters and SenderCounters (sender_counters.hpp)
//   1.4  HostContext::Slots and SlotService (slot_service.hpp)
inline constexpr ApiVersion kApiVersion{1, 4};

// True when a plugin built against `plugin` may be loaded by a host at `host`.
constexpr bool IsCompatible(ApiVersion host, ApiVersion plugin) {
  return plugin.major == host.major && plugin.minor <= host.minor;
}

// True when a plugin built against `plugin` takes the Message-ID from a
// "Message-ID" entry of Message::extra_headers (since 1.2). An older plugin
// refuses that header as one it writes itself, so a host gives it only to
// plugins for which this is true.
constexpr bool TakesMessageId(ApiVersion plugin) {
  return plugin.major == 1 ? plugin.minor >= 2 : plugin.major > 1;
}

}  // namespace notify
