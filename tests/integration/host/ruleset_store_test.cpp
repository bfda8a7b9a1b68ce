#include "ruleset_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

TEST(RulesetStore, RoundTripsAndIsWrittenWithMode0600WhateverTheUmask) {
  fs::path dir = fs::temp_directory_path() / ("store-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "r.json").string();
  mode_t old = ::umask(0);
  notify_host::RulesetStore store(path);
  ASSERT_TRUE(store.Load().ok());
  store.Put("a", {"eml_file", {{"directory", "/tmp"}, {"secret", "x\"y\\z"}}});
  ASSERT_TRUE(store.Save().ok());
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  notify_host::RulesetStore again(path);
  ASSERT_TRUE(again.Load().ok());
  auto a = again.Find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->settings.at("secret"), "x\"y\\z");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "no temp file left behind";
  fs::remove_all(dir);
}

TEST(RulesetStore, UnwritableDirectoryIsAnErrorAndChangesNothing) {
  notify_host::RulesetStore store("/proc/no-such-dir/r.json");
  ASSERT_TRUE(store.Load().ok());
  store.Put("a", {"eml_file", {}});
  auto saved = store.Save();
  EXPECT_FALSE(saved.ok());
  EXPECT_NE(saved.message().find("cannot write"), std::string::npos);
}

TEST(RulesetStore, WrongShapeIsCorrupt) {
  fs::path p = fs::temp_directory_path() / ("shape-" + std::to_string(::getpid()) + ".json");
  std::ofstream(p) << R"({"version":7,"rulesets":{}})";
  notify_host::RulesetStore store(p.string());
  EXPECT_FALSE(store.Load().ok());
  fs::remove(p);
}

}  // namespace
