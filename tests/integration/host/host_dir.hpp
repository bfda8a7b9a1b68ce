#pragma once
// A scratch directory laid out as an administrator lays out a host: a
// plugins directory holding copies of the built plugins (the host refuses a
// symbolic link that leads out of its plugins directory, docs/security.md), a
// settings file, and an output directory for the sample e-mail-file plugin.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "notify/test_support/command_run.hpp"
#include "state_text.hpp"

namespace host_test {

namespace fs = std::filesystem;

// The built fixture plugin `stem` (see fixture_plugin.cpp).
inline fs::path Fixture(const std::string& stem) { return fs::path(FIXTURE_DIR) / (stem + ".so"); }

constexpr fs::perms kMode755 = fs::perms::owner_all | fs::perms::group_read |
                               fs::perms::group_exec | fs::perms::others_read |
                               fs::perms::others_exec;

// Copies the built library `built` to `to`, mode 0755 whatever the umask.
inline void CopyPlugin(const fs::path& built, const fs::path& to) {
  fs::copy_file(built, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, kMode755);
}

class HostDir {
 public:
  // A fresh directory named after the running test.
  explicit HostDir(const std::string& tag) {
    path = fs::temp_directory_path() /
           ("notify-host-" + tag + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path / "plugins");
    fs::create_directories(path / "out");
    // Whatever the umask: the host refuses a group- or world-writable plugins directory.
    for (const auto& d : {path, path / "plugins"}) fs::permissions(d, kMode755);
  }
  ~HostDir() { fs::remove_all(path); }
  HostDir(const HostDir&) = delete;
  HostDir& operator=(const HostDir&) = delete;

  // Copies the library `built` into the plugins directory as `name`, mode 0755.
  void AddPlugin(const fs::path& built, const std::string& name) const {
    CopyPlugin(built, path / "plugins" / name);
  }

  // Writes the settings file: plugins.directory = plugins, the given
  // plugins.enabled, then `more` as it is (the state database is state.db
  // and the host key notify-host.key, the defaults, beside it).
  void WriteSettings(const std::string& enabled, const std::string& more = "") const {
    std::ofstream(settings(), std::ios::trunc)
        << "plugins.directory = plugins\nplugins.enabled = " << enabled
        << "\n"
        << more;
  }

  // notify-host --config <settings> args..., stdin from /dev/null.
  notify::test_support::CommandRun Host(std::vector<std::string> args, int limit_s = 60) const {
    args.insert(args.begin(), {"--config", settings().string()});
    return notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, path, limit_s);
  }
  // The same arguments, with --config in front, for Spawn and SpawnOnPty.
  std::vector<std::string> Args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--config", settings().string()});
    return args;
  }

  fs::path settings() const { return path / "host.properties"; }
  fs::path store() const { return path / "state.db"; }
  // The rulesets in the state database, secrets decrypted (state_text.hpp);
  // "" when there is none.
  std::string Store() const { return RulesetsText(path); }

  fs::path path;
};

}  // namespace host_test
