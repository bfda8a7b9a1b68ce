// The loader on real built plugin libraries: good ones load, bad ones are
// refused with a reason, and a library stays loaded after its last object is
// gone.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "notify/sdk/testing/fake_host.hpp"
#include "plugin_loader.hpp"

namespace {

using notify_host::LoadOutcome;
using notify_host::LoadPlugins;

std::shared_ptr<notify::HostContext> MakeContext(const std::string&) {
  return std::make_shared<notify::sdk::testing::FakeHostContext>();
}

std::string FixturePath(const std::string& stem) {
  return std::string(FIXTURE_DIR) + "/" + stem + ".so";
}

// True while the library at `path` is mapped into this process.
bool IsLoaded(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);  // drop the reference RTLD_NOLOAD just took
  return true;
}

std::string ReasonFor(const LoadOutcome& outcome, const std::string& stem) {
  for (const auto& r : outcome.refused) {
    if (r.file.find(stem) != std::string::npos) return r.reason;
  }
  return "";
}

TEST(Loader, LoadsAGoodPluginAndReadsItsDescriptor) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_good"}, MakeContext);
  ASSERT_EQ(outcome.channels.size(), 1u);
  EXPECT_TRUE(outcome.refused.empty());
  const auto& c = outcome.channels[0];
  EXPECT_EQ(c.id, "fixture");
  EXPECT_EQ(c.version, "0.0.1");
  EXPECT_EQ(c.api.major, 1);
  EXPECT_EQ(c.channel->Fields().size(), 2u);
}

TEST(Loader, RefusesAnotherApiMajor) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_api_major"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  std::string reason = ReasonFor(outcome, "fixture_api_major");
  EXPECT_NE(reason.find("API 2.0"), std::string::npos) << reason;
  EXPECT_NE(reason.find("needs API 1."), std::string::npos) << reason;
}

TEST(Loader, RefusesANewerMinorThanTheHost) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_api_minor"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  EXPECT_NE(ReasonFor(outcome, "fixture_api_minor").find("API 1.1"), std::string::npos);
}

TEST(Loader, RefusesALibraryWithoutTheEntrySymbol) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_no_entry"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  EXPECT_NE(ReasonFor(outcome, "fixture_no_entry").find("notify_plugin_descriptor"),
            std::string::npos);
}

TEST(Loader, RefusesAPluginWhoseFactoryThrows) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_throws", "fixture_good"}, MakeContext);
  ASSERT_EQ(outcome.channels.size(), 1u) << "the host goes on with the other plugins";
  EXPECT_NE(ReasonFor(outcome, "fixture_throws").find("fixture factory failure"),
            std::string::npos);
}

TEST(Loader, RefusesADuplicateIdAndKeepsTheFirst) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_good", "fixture_same_id"}, MakeContext);
  ASSERT_EQ(outcome.channels.size(), 1u);
  EXPECT_NE(outcome.channels[0].file.find("fixture_good"), std::string::npos);
  std::string reason = ReasonFor(outcome, "fixture_same_id");
  EXPECT_NE(reason.find("already provided by"), std::string::npos) << reason;
}

TEST(Loader, RefusesAMissingFile) {
  auto outcome = LoadPlugins(FIXTURE_DIR, {"no_such_plugin"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  EXPECT_NE(ReasonFor(outcome, "no_such_plugin").find("not found"), std::string::npos);
}

TEST(Loader, EveryRefusalIsOneLine) {
  auto outcome = LoadPlugins(FIXTURE_DIR,
                             {"fixture_api_major", "fixture_api_minor", "fixture_no_entry",
                              "fixture_throws", "no_such_plugin"},
                             MakeContext);
  ASSERT_EQ(outcome.refused.size(), 5u);
  for (const auto& r : outcome.refused) EXPECT_EQ(r.reason.find('\n'), std::string::npos);
}

TEST(Loader, LibraryStaysLoadedAfterItsLastObjectIsGone) {
  std::string path = FixturePath("fixture_good");
  {
    auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_good"}, MakeContext);
    ASSERT_EQ(outcome.channels.size(), 1u);
    auto channel = outcome.channels[0].channel;
    auto opened = channel->Open({{"target", "t"}, {"api_key", "k"}});
    ASSERT_NE(opened.sender, nullptr);
    EXPECT_TRUE(IsLoaded(path));
  }  // the channel, its sender and the loader's handles are all gone
  EXPECT_TRUE(IsLoaded(path)) << "a plugin's threads may outlive its objects; its code must stay";
}

TEST(Loader, SenderStillDeliversAfterItsChannelIsGone) {
  std::unique_ptr<notify::Sender> sender;
  {
    auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_good"}, MakeContext);
    ASSERT_EQ(outcome.channels.size(), 1u);
    sender = outcome.channels[0].channel->Open({{"target", "t"}, {"api_key", "k"}}).sender;
  }
  ASSERT_NE(sender, nullptr);
  notify::Message m;
  m.id = "after";
  auto results = sender->Deliver({m});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "after");
}

}  // namespace
