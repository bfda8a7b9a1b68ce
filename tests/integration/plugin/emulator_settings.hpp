#pragma once
// The channel's settings of the emulator's demo tenant: the working client
// secret configuration, pointed at a running emulator. Tests change or add
// the fields they are about.
#include <string>

#include "m365emu/emulator.hpp"
#include "notify/host_api/settings.hpp"

namespace m365::testing {

inline notify::Settings EmulatorSettings(const m365emu::Emulator& emulator,
                                         const std::string& server_name) {
  return {{"server_name", server_name},
          {"from_email", m365emu::kDemoMailbox},
          {"client_id", m365emu::kDemoClientId},
          {"client_secret", m365emu::kDemoSecretValue},
          {"tenant_id", m365emu::kDemoTenantId},
          {"smtp_host", "localhost"},
          {"port", std::to_string(emulator.smtp_port())},
          {"timeout", "10"},
          {"authority_url", emulator.authority()},
          {"ca_file", emulator.ca_file()}};
}

}  // namespace m365::testing
