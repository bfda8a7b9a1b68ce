#pragma once
// Which plugin libraries the host agrees to load (docs/security.md,
// "Plugins"). Loading a library runs its code with the host's rights and
// secrets, so only a library nobody else could have put there is loaded, as
// sshd's StrictModes decides for authorized_keys.
#include <string>

namespace notify_host {

// "" when `stem` is a plain library name: 1 or more of A-Z a-z 0-9 _ . -,
// not "." or "..", so it names a file in the plugins directory and nothing
// else. Otherwise why not, with the fix.
std::string StemProblem(const std::string& stem);

// "" when `directory` (symbolic links resolved) is safe to load plugins
// from: a directory owned by root or by the user running the host and not
// writable by group or others; each parent up to / owned by root or that user
// and either not writable by group or others or sticky (as /tmp: nobody else
// can rename or remove what is in it). Otherwise one line naming the
// directory and the fix (chmod go-w, chown root).
std::string DirectoryProblem(const std::string& directory);

// Decides about `path`, a library file found in `directory`. When it is safe
// to load, sets `*resolved` to the file to open and returns "": a regular
// file (or a symbolic link to one in the same directory, e.g. libx.so ->
// libx.so.1), owned by root or by the user running the host, not writable by
// group or others. Otherwise returns one line naming the file and the fix.
std::string LibraryProblem(const std::string& directory, const std::string& path,
                           std::string* resolved);

}  // namespace notify_host
