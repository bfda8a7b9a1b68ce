#include "plugin_trust.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace notify_host {
namespace {

namespace fs = std::filesystem;

std::string UserName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? pw->pw_name : "uid " + std::to_string(uid);
}

bool TrustedOwner(uid_t uid) { return uid == 0 || uid == ::geteuid(); }

bool WritableByOthers(mode_t mode) { return (mode & (S_IWGRP | S_IWOTH)) != 0; }

// Why the owner of `what` (described as `name`) is not trusted, or "".
std::string OwnerProblem(const struct stat& st, const std::string& name, const std::string& what) {
  if (TrustedOwner(st.st_uid)) return "";
  return name + " is owned by " + UserName(st.st_uid) + " (uid " + std::to_string(st.st_uid) +
         "), neither root nor " + UserName(::geteuid()) +
         " who runs the host, so that user could replace it: run chown root " + what;
}

}  // namespace

std::string StemProblem(const std::string& stem) {
  bool plain = !stem.empty() && stem != "." && stem != "..";
  for (char c : stem) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    plain = plain && ok;
  }
  if (plain) return "";
  return "not a plain library name: plugins.enabled takes names such as m365_oauth_smtp (letters, "
         "digits, _ . -), never a path; put the library in plugins.directory";
}

std::string DirectoryProblem(const std::string& directory) {
  std::error_code ec;
  fs::path dir = fs::canonical(directory, ec);
  if (ec) return "plugins directory " + directory + " cannot be opened: " + ec.message();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return "plugins directory " + dir.string() + " is not a directory";
  if (auto owner = OwnerProblem(st, "plugins directory " + dir.string(), dir.string());
      !owner.empty())
    return owner;
  if (WritableByOthers(st.st_mode)) {
    return "plugins directory " + dir.string() +
           " is writable by group or others, so another user could put a library there: run "
           "chmod go-w " +
           dir.string();
  }
  for (fs::path p = dir.parent_path();; p = p.parent_path()) {
    if (::stat(p.c_str(), &st) != 0) return p.string() + " cannot be read";
    std::string name = p.string() + " (a parent of the plugins directory)";
    if (auto owner = OwnerProblem(st, name, p.string()); !owner.empty()) return owner;
    if (WritableByOthers(st.st_mode) && (st.st_mode & S_ISVTX) == 0) {
      return name +
             " is writable by group or others and not sticky, so another user could replace "
             "the plugins directory: run chmod go-w " +
             p.string();
    }
    if (p == p.root_path()) break;
  }
  return "";
}

std::string LibraryProblem(const std::string& directory, const std::string& path,
                           std::string* resolved) {
  std::error_code ec;
  fs::path dir = fs::canonical(directory, ec);
  if (ec) return "plugins directory " + directory + " cannot be opened: " + ec.message();
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return path + " cannot be read";
  fs::path file = dir / fs::path(path).filename();
  if (S_ISLNK(st.st_mode)) {
    fs::path target = fs::canonical(file, ec);
    if (ec) return path + " is a symbolic link that leads nowhere (" + ec.message() + ")";
    if (target.parent_path() != dir) {
      return path + " is a symbolic link to " + target.string() +
             ", outside the plugins directory " + dir.string() +
             ": copy the library into the plugins directory instead";
    }
    file = target;
    if (::lstat(file.c_str(), &st) != 0) return file.string() + " cannot be read";
  }
  if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  if (auto owner = OwnerProblem(st, path, file.string()); !owner.empty()) return owner;
  if (WritableByOthers(st.st_mode)) {
    return path +
           " is writable by group or others, so another user could replace the plugin: run "
           "chmod go-w " +
           file.string();
  }
  *resolved = file.string();
  return "";
}

}  // namespace notify_host
