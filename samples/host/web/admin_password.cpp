#include "web/admin_password.hpp"

#include <Poco/Path.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "secret_input.hpp"
#include "terminal_text.hpp"

namespace notify_host::web {
namespace {

void StartSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start (sodium_init failed)");
}

// Writes `text` to `file` as a new 0600 file, then renames it into place, so
// a reader never sees half a hash.
bool WritePrivateFile(const std::string& file, const std::string& text, std::string* why) {
  const std::string temp = file + ".new";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (ok) ok = ::rename(temp.c_str(), file.c_str()) == 0;
  if (!ok) {
    *why = std::strerror(errno);
    ::unlink(temp.c_str());
  }
  return ok;
}

}  // namespace

std::string AdminPasswordFile(const Poco::Util::AbstractConfiguration* settings,
                              const std::string& base_dir) {
  std::string file = settings ? settings->getString("page.admin_password_file", "admin-password")
                              : "admin-password";
  Poco::Path path(file);
  if (path.isAbsolute()) return path.toString();
  return Poco::Path(Poco::Path(base_dir).makeDirectory(), path).toString();
}

std::string HashAdminPassword(const std::string& password) {
  StartSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_MODERATE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("not enough memory to hash the password (Argon2id needs 64 MiB)");
  return hash;
}

bool AdminPasswordMatches(const std::string& password, const std::string& stored) {
  StartSodium();
  // crypto_pwhash_str_verify reads a NUL-terminated string of bounded length.
  if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

std::optional<std::string> ReadAdminPasswordHash(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

int AdminPasswordCommand(const CommandLine& cl, HostEnv& env, std::ostream& out,
                         std::ostream& err) {
  if (cl.words.size() != 1) {
    err << "usage: notify-host admin-password   (the password is read from standard input)\n";
    return kExitUsage;
  }
  const bool terminal = StdinIsTerminal();
  auto password = ReadSecretFromStdin("New admin password for the settings page: ");
  if (!password.ok()) {
    err << "admin-password: " << ForTerminal(password.status().message()) << "\n";
    return kExitUsage;
  }
  if (password->size() < kMinAdminPasswordLength) {
    err << "admin-password: the password is shorter than " << kMinAdminPasswordLength
        << " characters; choose a longer one (a passphrase of several words is fine)\n";
    return kExitUsage;
  }
  if (terminal) {
    auto again = ReadSecretFromStdin("Type it again: ");
    if (!again.ok() || *again != *password) {
      err << "admin-password: the two passwords differ; nothing was changed\n";
      return kExitUsage;
    }
  }
  const std::string file = AdminPasswordFile(env.settings, env.state_options.base_dir);
  std::string hash;
  try {
    hash = HashAdminPassword(*password);
  } catch (const std::exception& e) {
    err << "admin-password: " << e.what() << "\n";
    return kExitError;
  }
  std::string why;
  if (!WritePrivateFile(file, hash + "\n", &why)) {
    err << "admin-password: cannot write " << ForTerminal(file) << ": " << why
        << " (set page.admin_password_file to a writable place)\n";
    return kExitError;
  }
  out << "admin password set (Argon2id hash in " << ForTerminal(file)
      << "); sign in to the settings page with it\n";
  return kExitOk;
}

}  // namespace notify_host::web
