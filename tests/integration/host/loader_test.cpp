// The loader on real built plugin libraries: good ones load, bad ones are
// refused with a reason (those decided from the descriptor before any plugin
// function runs), and a library stays loaded after its last object is gone.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "notify/host_api/api_version.hpp"
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

// How many times the factory of the loaded fixture at `path` ran (every
// fixture counts its calls); -1 when the library is not loaded.
int FactoryCalls(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return -1;
  auto calls = reinterpret_cast<int (*)()>(::dlsym(handle, "fixture_factory_calls"));
  int n = calls ? calls() : -1;
  ::dlclose(handle);
  return n;
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
  const std::string newer = "API 1." + std::to_string(notify::kApiVersion.minor + 1);
  EXPECT_NE(ReasonFor(outcome, "fixture_api_minor").find(newer), std::string::npos);
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

TEST(Loader, RefusesAPluginBuiltWithTheOtherLibstdcxxAbiWithoutCallingIt) {
  std::string path = FixturePath("fixture_old_abi");
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_old_abi"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  std::string reason = ReasonFor(outcome, "fixture_old_abi");
  EXPECT_NE(reason.find("built with libstdc++ cxx11-abi=0, this host uses " +
                        std::string(notify::kAbiTag) +
                        ": rebuild the plugin with the host's compiler settings"),
            std::string::npos)
      << reason;
  EXPECT_EQ(FactoryCalls(path), 0) << "the factory of a refused plugin never runs";
}

TEST(Loader, RefusesAPluginBuiltWithAnotherStandardLibraryWithoutCallingIt) {
  std::string path = FixturePath("fixture_libcxx");
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_libcxx"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  std::string reason = ReasonFor(outcome, "fixture_libcxx");
  EXPECT_NE(reason.find("built with libc++ abi=1, this host uses " + std::string(notify::kAbiTag) +
                        ": rebuild the plugin with the host's compiler settings"),
            std::string::npos)
      << reason;
  EXPECT_EQ(FactoryCalls(path), 0);
}

TEST(Loader, RefusesADescriptorWithoutAnAbiTagWithoutCallingIt) {
  std::string path = FixturePath("fixture_no_abi_tag");
  auto outcome = LoadPlugins(FIXTURE_DIR, {"fixture_no_abi_tag"}, MakeContext);
  EXPECT_TRUE(outcome.channels.empty());
  std::string reason = ReasonFor(outcome, "fixture_no_abi_tag");
  EXPECT_NE(reason.find("no ABI tag: rebuild with this SDK"), std::string::npos) << reason;
  EXPECT_EQ(FactoryCalls(path), 0);
}

TEST(Loader, TheFactoryCounterSeesACall) {
  // The other side of the "never called" proofs: the counter does count.
  LoadPlugins(FIXTURE_DIR, {"fixture_good"}, MakeContext);
  EXPECT_GE(FactoryCalls(FixturePath("fixture_good")), 1);
}

TEST(Loader, EveryRefusalIsOneLine) {
  auto outcome =
      LoadPlugins(FIXTURE_DIR,
                  {"fixture_api_major", "fixture_api_minor", "fixture_no_entry", "fixture_throws",
                   "no_such_plugin", "fixture_old_abi", "fixture_libcxx", "fixture_no_abi_tag"},
                  MakeContext);
  ASSERT_EQ(outcome.refused.size(), 8u);
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
