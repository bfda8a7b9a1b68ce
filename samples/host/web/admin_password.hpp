#pragma once
// The settings page's admin password (docs/settings-page.md, "Signing in"):
// set with `notify-host admin-password`, kept as an Argon2id hash from
// libsodium (crypto_pwhash_str: salt and cost inside the string) in a file
// of its own, 0600, read again at each sign-in so a new password takes
// effect without a restart.
#include <Poco/Util/AbstractConfiguration.h>

#include <optional>
#include <ostream>
#include <string>

#include "command_line.hpp"
#include "host_commands.hpp"

namespace notify_host::web {

// Passwords shorter than this are refused by `admin-password`.
constexpr std::size_t kMinAdminPasswordLength = 12;

// The file `page.admin_password_file` names (relative to `base_dir`), by
// default `admin-password` in `base_dir`.
std::string AdminPasswordFile(const Poco::Util::AbstractConfiguration* settings,
                              const std::string& base_dir);

// The Argon2id hash of `password` (libsodium's OPSLIMIT_MODERATE with
// MEMLIMIT_INTERACTIVE: about half a second and 64 MiB on one core). Throws
// std::runtime_error when libsodium cannot start or the memory is missing.
std::string HashAdminPassword(const std::string& password);

// True when `password` hashes to `stored` (a crypto_pwhash_str string).
bool AdminPasswordMatches(const std::string& password, const std::string& stored);

// The stored hash, or nullopt when the file is missing or empty.
std::optional<std::string> ReadAdminPasswordHash(const std::string& file);

// `notify-host admin-password`: reads the password from standard input (a
// no-echo prompt, twice, on a terminal), stores its hash (0600).
int AdminPasswordCommand(const CommandLine& cl, HostEnv& env, std::ostream& out, std::ostream& err);

}  // namespace notify_host::web
