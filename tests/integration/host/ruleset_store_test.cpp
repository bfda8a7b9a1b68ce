// The JSON rulesets file of the first version, as import-rulesets reads it.
#include "ruleset_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

TEST(RulesetStore, ReadsEveryRulesetOfAVersionOneFile) {
  fs::path p = fs::temp_directory_path() / ("store-" + std::to_string(::getpid()) + ".json");
  std::ofstream(p) << R"({"version":1,"rulesets":{"a":{"channel":"eml_file",)"
                   << R"("settings":{"directory":"/tmp","secret":"x\"y\\z"}}}})";
  notify_host::RulesetStore store(p.string());
  ASSERT_TRUE(store.Load().ok());
  auto a = store.Find("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->channel, "eml_file");
  EXPECT_EQ(a->settings.at("secret"), "x\"y\\z");
  EXPECT_EQ(store.all().size(), 1u);
  fs::remove(p);
}

TEST(RulesetStore, WrongShapeIsCorrupt) {
  fs::path p = fs::temp_directory_path() / ("shape-" + std::to_string(::getpid()) + ".json");
  std::ofstream(p) << R"({"version":7,"rulesets":{}})";
  notify_host::RulesetStore store(p.string());
  EXPECT_FALSE(store.Load().ok());
  fs::remove(p);
}

}  // namespace
