#pragma once
// The host key (docs/security.md, "The host key"): 32 random bytes in a file
// only the host's user may read. Read from `secrets.key_file`, or from
// systemd's $CREDENTIALS_DIRECTORY/notify-host.key, or from notify-host.key
// beside the settings file, created there at first start.
#include <string>

#include "notify/sdk/status.hpp"
#include "state/secret_box.hpp"

namespace notify_host::state {

// The file the key is read from: `configured` when the administrator set
// one; else $CREDENTIALS_DIRECTORY/notify-host.key when that directory is
// given; else `base_dir`/notify-host.key.
std::string HostKeyPath(const std::string& configured, const std::string& base_dir);

// Reads the key at `path`. The file must be a regular file (a symbolic link
// is refused), hold exactly 32 bytes, and give no permission to group or
// others. When it does not exist and `may_create`, creates it (O_EXCL, mode
// 0600) with 32 random bytes; when another process creates it at the same
// moment, reads theirs.
notify::sdk::StatusOr<HostKey> LoadHostKey(const std::string& path, bool may_create);

}  // namespace notify_host::state
