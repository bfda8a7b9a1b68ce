#pragma once
#include <cstdint>

namespace notify {

// The host API version a plugin is built against. A host accepts a plugin when
// the majors are equal and the plugin's minor is not newer than the host's
// (the rule Qt and GStreamer use): a newer minor may call what this host lacks.
struct ApiVersion {
  std::uint16_t major;
  std::uint16_t minor;
};

inline constexpr ApiVersion kApiVersion{1, 0};

// True when a plugin built against `plugin` may be loaded by a host at `host`.
constexpr bool IsCompatible(ApiVersion host, ApiVersion plugin) {
  return plugin.major == host.major && plugin.minor <= host.minor;
}

}  // namespace notify
