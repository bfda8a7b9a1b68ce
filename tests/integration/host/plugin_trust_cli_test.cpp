// Which libraries notify-host agrees to load, through the real binary: only
// plain names from plugins.enabled, only files in the plugins directory, and
// only when nobody but root and the user running the host could have written
// them (docs/security.md, "Plugins"). Each refusal is one line naming the file
// and the fix; the host goes on without the plugin.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "host_dir.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::Fixture;
using host_test::HostDir;
using notify::test_support::CommandRun;

class PluginTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so");
    dir_.WriteSettings("fixture_good");
  }

  static bool Loaded(const CommandRun& r) {
    return r.out.find("fixture\tFixture\t0.0.1") != std::string::npos;
  }
  // The "refused" lines of `plugins`.
  static std::vector<std::string> Refusals(const CommandRun& r) {
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("refused\t", 0) == 0) lines.push_back(line);
    }
    return lines;
  }

  fs::path plugin() const { return dir_.path / "plugins" / "fixture_good.so"; }

  HostDir dir_{"trust"};
};

TEST_F(PluginTrust, AGoodPluginInASafeDirectoryLoads) {
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(Loaded(r)) << r.out;
  EXPECT_TRUE(Refusals(r).empty()) << r.out;
}

TEST_F(PluginTrust, NamesThatAreNotPlainStemsAreRefused) {
  // A library outside the plugins directory that would load if named.
  fs::create_directories(dir_.path / "elsewhere");
  host_test::CopyPlugin(Fixture("fixture_good"), dir_.path / "elsewhere" / "fixture_good.so");
  fs::remove(plugin());
  std::string absolute = (dir_.path / "elsewhere" / "fixture_good").string();
  dir_.WriteSettings("../elsewhere/fixture_good, " + absolute + ", ., .., sub/x, a b");
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_FALSE(Loaded(r)) << "nothing outside the plugins directory loads\n" << r.out;
  auto refusals = Refusals(r);
  ASSERT_EQ(refusals.size(), 6u) << r.out;
  for (const auto& line : refusals)
    EXPECT_NE(line.find("not a plain library name"), std::string::npos) << line;
  EXPECT_NE(r.out.find("../elsewhere/fixture_good"), std::string::npos) << "names what was given";
}

TEST_F(PluginTrust, AFileWritableByGroupOrOthersIsRefusedWithTheFix) {
  for (fs::perms extra : {fs::perms::group_write, fs::perms::others_write}) {
    fs::permissions(plugin(), host_test::kMode755 | extra);
    CommandRun r = dir_.Host({"plugins"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_FALSE(Loaded(r)) << r.out;
    auto refusals = Refusals(r);
    ASSERT_EQ(refusals.size(), 1u) << r.out;
    EXPECT_NE(refusals[0].find(plugin().string()), std::string::npos) << refusals[0];
    EXPECT_NE(refusals[0].find("chmod go-w " + plugin().string()), std::string::npos)
        << refusals[0];
  }
}

TEST_F(PluginTrust, APluginsDirectoryWritableByOthersIsRefusedWithTheFix) {
  fs::permissions(dir_.path / "plugins", host_test::kMode755 | fs::perms::others_write);
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  auto refusals = Refusals(r);
  ASSERT_EQ(refusals.size(), 1u) << r.out;
  EXPECT_NE(refusals[0].find("chmod go-w " + (dir_.path / "plugins").string()), std::string::npos)
      << refusals[0];
  // Sticky (as /tmp) does not make the plugins directory itself safe: anyone
  // could still add a library under a name that is enabled but not yet there.
  fs::permissions(dir_.path / "plugins",
                  host_test::kMode755 | fs::perms::others_write | fs::perms::sticky_bit);
  EXPECT_FALSE(Loaded(dir_.Host({"plugins"})));
}

TEST_F(PluginTrust, AParentDirectoryWritableByOthersIsRefusedUnlessSticky) {
  fs::permissions(dir_.path, host_test::kMode755 | fs::perms::others_write);
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  ASSERT_EQ(Refusals(r).size(), 1u) << r.out;
  EXPECT_NE(Refusals(r)[0].find("chmod go-w " + dir_.path.string()), std::string::npos)
      << Refusals(r)[0];
  // As /tmp: others may add entries but not rename or remove the host's.
  fs::permissions(dir_.path, host_test::kMode755 | fs::perms::others_write | fs::perms::sticky_bit);
  r = dir_.Host({"plugins"});
  EXPECT_TRUE(Loaded(r)) << r.out;
  fs::permissions(dir_.path, host_test::kMode755);
}

TEST_F(PluginTrust, AFileOrDirectoryOwnedByAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  ASSERT_EQ(::chown(plugin().c_str(), nobody->pw_uid, static_cast<gid_t>(-1)), 0);
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  ASSERT_EQ(Refusals(r).size(), 1u) << r.out;
  EXPECT_NE(Refusals(r)[0].find("owned by nobody"), std::string::npos) << Refusals(r)[0];
  EXPECT_NE(Refusals(r)[0].find("chown root " + plugin().string()), std::string::npos)
      << Refusals(r)[0];
  ASSERT_EQ(::chown(plugin().c_str(), 0, static_cast<gid_t>(-1)), 0);
  ASSERT_EQ(::chown((dir_.path / "plugins").c_str(), nobody->pw_uid, static_cast<gid_t>(-1)), 0);
  r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  ASSERT_EQ(Refusals(r).size(), 1u) << r.out;
  EXPECT_NE(Refusals(r)[0].find("chown root " + (dir_.path / "plugins").string()),
            std::string::npos)
      << Refusals(r)[0];
}

TEST_F(PluginTrust, ASymlinkLeadingOutOfThePluginsDirectoryIsRefused) {
  fs::remove(plugin());
  fs::create_symlink(Fixture("fixture_good"), plugin());
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  ASSERT_EQ(Refusals(r).size(), 1u) << r.out;
  EXPECT_NE(Refusals(r)[0].find("symbolic link"), std::string::npos) << Refusals(r)[0];
  EXPECT_NE(Refusals(r)[0].find("copy the library into"), std::string::npos) << Refusals(r)[0];
  // A link to a file beside it (libx.so -> libx.so.1) is fine.
  fs::remove(plugin());
  dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so.1");
  fs::create_symlink("fixture_good.so.1", plugin());
  r = dir_.Host({"plugins"});
  EXPECT_TRUE(Loaded(r)) << r.out;
}

TEST_F(PluginTrust, SomethingThatIsNotARegularFileIsRefused) {
  fs::remove(plugin());
  fs::create_directories(plugin());
  CommandRun r = dir_.Host({"plugins"});
  EXPECT_FALSE(Loaded(r)) << r.out;
  ASSERT_EQ(Refusals(r).size(), 1u) << r.out;
  EXPECT_NE(Refusals(r)[0].find("not a regular file"), std::string::npos) << Refusals(r)[0];
}

}  // namespace
