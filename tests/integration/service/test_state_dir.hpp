#pragma once
// A state of its own for one in-process test: a fresh directory named after
// the test, holding the SQLite state database and the host key that `env`
// points at; removed, with the database closed first, at the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "host_commands.hpp"

namespace notify_host::service_test {

class TestStateDir {
 public:
  explicit TestStateDir(const std::string& prefix)
      : dir(std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    env.state_options.url = "sqlite:" + (dir / "state.db").string();
    env.state_options.key_file = (dir / "host.key").string();
    env.state_options.base_dir = dir.string();
  }
  ~TestStateDir() {
    env.state.reset();
    std::filesystem::remove_all(dir);
  }
  TestStateDir(const TestStateDir&) = delete;
  TestStateDir& operator=(const TestStateDir&) = delete;

  const std::filesystem::path dir;
  HostEnv env;  // no plugins: the test adds its channels
};

}  // namespace notify_host::service_test
