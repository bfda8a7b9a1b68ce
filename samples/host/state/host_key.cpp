#include "state/host_key.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace notify_host::state {
namespace {

using notify::sdk::Status;

constexpr char kCredentialName[] = "notify-host.key";

std::string Errno() { return std::strerror(errno); }

Status Refused(const std::string& path, const std::string& why, const std::string& remedy) {
  return Status::FailedPrecondition("host key " + path + ": " + why, remedy);
}

// Reads exactly kHostKeyBytes from `fd`; the count read, or -1.
ssize_t ReadKey(int fd, HostKey& key) {
  std::size_t done = 0;
  while (done < key.size()) {
    ssize_t n = ::read(fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  unsigned char extra = 0;
  ssize_t more = ::read(fd, &extra, 1);
  return more > 0 ? static_cast<ssize_t>(done) + 1 : static_cast<ssize_t>(done);
}

notify::sdk::StatusOr<HostKey> ReadExisting(const std::string& path) {
  // Another process that won the O_EXCL race may not have written its key
  // yet (it writes all 32 bytes in one write): an empty file is re-read for
  // up to 2 s before it is called wrong.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ELOOP)
        return Refused(path, "is a symbolic link",
                       "Point secrets.key_file at the key file itself.");
      return Refused(path, "cannot be read: " + Errno(),
                     "Check secrets.key_file and the file's owner.");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Refused(path, "is not a regular file", "Point secrets.key_file at the key file.");
    }
    if ((st.st_mode & 077) != 0) {
      ::close(fd);
      char mode[8];
      std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
      return Refused(path, std::string("is open to group or others (mode ") + mode + ")",
                     "Run chmod 600 on it; if others may have read it, replace the key and "
                     "enter every secret again.");
    }
    HostKey key{};
    ssize_t n = ReadKey(fd, key);
    ::close(fd);
    if (n == static_cast<ssize_t>(kHostKeyBytes)) return key;
    OPENSSL_cleanse(key.data(), key.size());
    if (n == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the creator's write
      continue;
    }
    return Refused(path, "does not hold exactly 32 bytes",
                   "Restore the key file from the backup taken with the database.");
  }
}

}  // namespace

std::string HostKeyPath(const std::string& configured, const std::string& base_dir) {
  if (!configured.empty()) {
    return std::filesystem::path(configured).is_absolute()
               ? configured
               : (std::filesystem::path(base_dir) / configured).string();
  }
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials && *credentials) {
    auto candidate = std::filesystem::path(credentials) / kCredentialName;
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) return candidate.string();
  }
  return (std::filesystem::path(base_dir) / kCredentialName).string();
}

notify::sdk::StatusOr<HostKey> LoadHostKey(const std::string& path, bool may_create) {
  if (may_create) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      HostKey key{};
      bool ok = RAND_bytes(key.data(), static_cast<int>(key.size())) == 1 &&
                ::fchmod(fd, 0600) == 0 &&
                ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) &&
                ::fsync(fd) == 0;
      std::string error = ok ? "" : Errno();
      ::close(fd);
      if (ok) return key;
      OPENSSL_cleanse(key.data(), key.size());
      ::unlink(path.c_str());
      return Refused(path, "cannot be created: " + error,
                     "Check that the host may write to the directory.");
    }
    if (errno != EEXIST) {
      return Refused(path, "cannot be created: " + Errno(),
                     "Check that the directory exists and the host may write to it, or set "
                     "secrets.key_file.");
    }
  }
  struct stat st {};
  if (!may_create && ::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    return Refused(path, "is missing, and the state database holds secrets sealed with it",
                   "Restore the key file from the backup taken with the database (a new key "
                   "cannot open the stored secrets), or set secrets.key_file to where it is.");
  }
  return ReadExisting(path);
}

}  // namespace notify_host::state
