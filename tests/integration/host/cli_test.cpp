// notify-host as an administrator runs it: the real binary, a real properties
// file, real plugins, checking exit codes, output and what lands on disk.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host_dir.hpp"
#include "notify/host_api/api_version.hpp"
#include "state_text.hpp"
#include "notify/test_support/command_run.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::CopyPlugin;
using notify::test_support::CommandRun;
using notify::test_support::ReadWholeFile;

class HostCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("notify-host-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "plugins");
    fs::create_directories(dir_ / "out");
    CopyPlugin(EML_PLUGIN_FILE, dir_ / "plugins" / "eml_file.so");
    for (const char* f : {"fixture_good", "fixture_api_major"})
      CopyPlugin(fs::path(FIXTURE_DIR) / (std::string(f) + ".so"),
                 dir_ / "plugins" / (std::string(f) + ".so"));
    std::ofstream(dir_ / "host.properties")
        << "plugins.directory = plugins\n"
        << "plugins.enabled = eml_file, fixture_good, fixture_api_major\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  CommandRun Host(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir_ / "host.properties").string()});
    return notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir_);
  }

  CommandRun SaveFixture(const std::string& key) {
    return Host({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=alpha", "--set",
                 "api_key=" + key});
  }

  // A ruleset "files" for the sample plugin, writing into dir_/out.
  CommandRun SaveFilesRuleset() {
    return Host({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                 "directory=" + (dir_ / "out").string()});
  }

  fs::path store() const { return dir_ / "state.db"; }
  // The stored rulesets, secrets decrypted; "" when none (state_text.hpp).
  std::string Stored() const { return host_test::RulesetsText(dir_); }
  fs::path dir_;
};

TEST_F(HostCli, PluginsListsLoadedChannelsAndEachRefusalOnOneLine) {
  CommandRun r = Host({"plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  const std::string api = "api " + std::to_string(notify::kApiVersion.major) + "." +
                          std::to_string(notify::kApiVersion.minor);
  EXPECT_NE(r.out.find("eml_file\tE-mail files (.eml)\t1.0.0\t" + api), std::string::npos)
      << r.out;
  // A plugin built for API 1.0 still loads in a newer minor host.
  EXPECT_NE(r.out.find("fixture\tFixture\t0.0.1\tapi 1.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("refused\t"), std::string::npos);
  EXPECT_NE(r.out.find("fixture_api_major.so\tbuilt for host API 2.0"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("plugin refused:"), std::string::npos) << "the refusal is logged too";
}

TEST_F(HostCli, PluginOfAnotherStandardLibraryAbiIsRefusedWithTheFix) {
  CopyPlugin(fs::path(FIXTURE_DIR) / "fixture_old_abi.so", dir_ / "plugins" / "fixture_old_abi.so");
  std::ofstream(dir_ / "host.properties", std::ios::trunc)
      << "plugins.directory = plugins\nplugins.enabled = eml_file, fixture_old_abi\n";
  CommandRun r = Host({"plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("eml_file\t"), std::string::npos) << "the host goes on without it";
  EXPECT_NE(r.out.find("fixture_old_abi.so\tbuilt with libstdc++ cxx11-abi=0, this host uses "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rebuild the plugin with the host's compiler settings"), std::string::npos);
}

TEST_F(HostCli, GlobalOptionsComeBeforeTheCommandWord) {
  auto run = [&](std::vector<std::string> args) {
    return notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir_);
  };
  std::string config = (dir_ / "host.properties").string();
  CommandRun r = run({"--config=" + config, "plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("eml_file\t"), std::string::npos) << r.out;
  for (const auto& help : {std::vector<std::string>{"--help"}, std::vector<std::string>{"-h"},
                           std::vector<std::string>{"--config", config, "plugins", "--help"}}) {
    r = run(help);
    EXPECT_EQ(r.rc, 0) << help[0];
    EXPECT_EQ(r.out.rfind("usage: notify-host [--config FILE] COMMAND", 0), 0u) << r.out;
  }
  r = run({});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("usage: notify-host"), std::string::npos);
  r = run({"--config"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("config requires FILE"), std::string::npos) << r.err;
  r = run({"--frobnicate", "plugins"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("frobnicate"), std::string::npos) << r.err;
  // After the command word, options are the command's, even ones that look
  // like the host's: --subject takes "--help" as its value.
  ASSERT_EQ(SaveFilesRuleset().rc, 0);
  r = Host({"send", "--ruleset", "files", "--to", "a@contoso.com", "--subject", "--help", "--body",
            "b"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(ReadWholeFile(dir_ / "out" / "cli-1.eml").find("Subject: --help"), std::string::npos);
}

TEST_F(HostCli, MissingSettingsFileIsAUsageErrorNamingIt) {
  CommandRun r = notify::test_support::RunCommand(
      NOTIFY_HOST_BIN, {"--config", (dir_ / "none.properties").string(), "plugins"}, dir_);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("cannot start with settings file " + (dir_ / "none.properties").string()),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("pass --config FILE)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
}

TEST_F(HostCli, LoggingPropertiesAndApplicationPropertiesApply) {
  std::ofstream(dir_ / "host.properties", std::ios::app)
      << "logging.loggers.root.level = debug\n"
      << "logging.loggers.root.channel = c\n"
      << "logging.channels.c.class = ConsoleChannel\n"
      << "logging.channels.c.pattern = [%p] %t (${application.baseName})\n";
  CommandRun r = Host({"plugins"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("[Debug] loaded plugin eml_file 1.0.0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(notify-host)"), std::string::npos) << r.err;
}

TEST_F(HostCli, FieldsAsJson) {
  CommandRun r = Host({"fields", "eml_file", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  Poco::JSON::Parser parser;
  auto root = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
  auto fields = root->getArray("fields");
  ASSERT_EQ(fields->size(), 2u);
  EXPECT_EQ(fields->getObject(0)->getValue<std::string>("key"), "directory");
  EXPECT_TRUE(fields->getObject(0)->getValue<bool>("required"));
}

TEST_F(HostCli, UnknownChannelAndUnknownOptionAreUsageErrors) {
  EXPECT_EQ(Host({"fields", "nope"}).rc, 2);
  EXPECT_EQ(Host({"plugins", "--frobnicate"}).rc, 2);
  EXPECT_EQ(Host({"send", "--ruleset", "r1"}).rc, 2);
}

TEST_F(HostCli, InvalidSaveExitsThreeAndStoresNothing) {
  CommandRun r = Host({"ruleset", "save", "r1", "--channel", "eml_file", "--set",
                       "directory=/no/such/dir", "--json"});
  EXPECT_EQ(r.rc, 3);
  Poco::JSON::Parser parser;
  auto root = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_FALSE(root->getValue<bool>("ok"));
  EXPECT_EQ(root->getArray("issues")->getObject(0)->getValue<std::string>("field"), "directory");
  EXPECT_EQ(Stored(), "");
}

TEST_F(HostCli, SavedStoreIsPrivateAndShowMasksSecrets) {
  ASSERT_EQ(SaveFixture("hunter2-very-secret").rc, 0);
  for (const fs::path& file : {store(), dir_ / "notify-host.key"}) {
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0) << file;
    EXPECT_EQ(st.st_mode & 0777, 0600) << file;
  }
  CommandRun shown = Host({"ruleset", "show", "r1"});
  EXPECT_EQ(shown.rc, 0);
  EXPECT_NE(shown.out.find("target = alpha"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("api_key = ********"), std::string::npos) << shown.out;
  CommandRun json = Host({"ruleset", "show", "r1", "--json"});
  EXPECT_EQ(json.out.find("hunter2"), std::string::npos);
  EXPECT_EQ((shown.out + shown.err + json.err).find("hunter2"), std::string::npos);
}

TEST_F(HostCli, FailedSaveLeavesThePreviousVersionIntact) {
  ASSERT_EQ(SaveFixture("first-secret").rc, 0);
  std::string before = Stored();
  EXPECT_EQ(SaveFixture("bad").rc, 3);
  EXPECT_EQ(Stored(), before);
}

TEST_F(HostCli, ResavingWithoutTheSecretKeepsItOnlyWhenNothingElseChanged) {
  ASSERT_EQ(SaveFixture("kept-secret").rc, 0);
  CommandRun r = Host({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=alpha"});
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(Stored().find("kept-secret"), std::string::npos);
  // The host cannot tell which field decides where the secret goes: any
  // other change needs the secret again (secret_cli_test.cpp has the rest).
  const std::string stored = Stored();
  r = Host({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=beta"});
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_NE(r.out.find("api_key"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("re-enter the secret"), std::string::npos) << r.out;
  EXPECT_EQ(Stored(), stored);
}

TEST_F(HostCli, CorruptStateDatabaseIsReportedAndLeftUntouched) {
  std::ofstream(store()) << "{ this is not a database";
  CommandRun r = SaveFixture("x-secret");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("state database " + store().string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(ReadWholeFile(store()), "{ this is not a database");
}

TEST_F(HostCli, SendsThroughTheSamplePlugin) {
  ASSERT_EQ(SaveFilesRuleset().rc, 0);
  CommandRun r = Host({"send", "--ruleset", "files", "--to", "ops@contoso.com", "--subject",
                       "Disk almost full", "--body", "92% used", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("\"status\":\"delivered\""), std::string::npos) << r.out;
  std::string eml = ReadWholeFile(dir_ / "out" / "cli-1.eml");
  EXPECT_NE(eml.find("Subject: Disk almost full"), std::string::npos);
  EXPECT_NE(eml.find("92% used"), std::string::npos);
}

TEST_F(HostCli, BatchFileWithAMalformedLineSendsNothingAndNamesTheLine) {
  ASSERT_EQ(SaveFilesRuleset().rc, 0);
  std::ofstream(dir_ / "batch.jsonl")
      << R"({"id":"a","to":"x@contoso.com","subject":"one","body":"1"})"
      << "\n"
      << R"({"id":"b","to":"x@contoso.com","subject":)"
      << "\n"
      << R"({"id":"c","to":["x@contoso.com"],"subject":"three","body":"3"})"
      << "\n";
  CommandRun r = Host({"send", "--ruleset", "files", "--batch", (dir_ / "batch.jsonl").string()});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
}

TEST_F(HostCli, BatchFileSendsEveryLine) {
  ASSERT_EQ(SaveFilesRuleset().rc, 0);
  std::ofstream(dir_ / "batch.jsonl")
      << R"({"id":"a","to":"x@contoso.com","subject":"one","body":"1"})"
      << "\n\n"
      << R"({"id":"c","to":["x@contoso.com"],"subject":"three","body":"3"})"
      << "\n";
  CommandRun r =
      Host({"send", "--ruleset", "files", "--batch", (dir_ / "batch.jsonl").string(), "--json"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "a.eml"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "c.eml"));
}

TEST_F(HostCli, SenderReturningTooFewResultsStillGivesOneResultPerMessage) {
  CopyPlugin(fs::path(FIXTURE_DIR) / "fixture_short_results.so",
             dir_ / "plugins" / "fixture_short_results.so");
  std::ofstream(dir_ / "host.properties", std::ios::trunc)
      << "plugins.directory = plugins\nplugins.enabled = fixture_short_results\n";
  ASSERT_EQ(Host({"ruleset", "save", "short", "--channel", "fixture_short", "--set", "target=a",
                  "--set", "api_key=k"})
                .rc,
            0);
  std::ofstream(dir_ / "batch.jsonl")
      << R"({"id":"a","to":"x@contoso.com","subject":"one","body":"1"})"
      << "\n"
      << R"({"id":"b","to":"x@contoso.com","subject":"two","body":"2"})"
      << "\n"
      << R"({"id":"c","to":"x@contoso.com","subject":"three","body":"3"})"
      << "\n";
  CommandRun r =
      Host({"send", "--ruleset", "short", "--batch", (dir_ / "batch.jsonl").string(), "--json"});
  EXPECT_EQ(r.rc, 4) << r.out << r.err;
  std::vector<Poco::JSON::Object::Ptr> lines;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) {
    Poco::JSON::Parser parser;
    lines.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>());
  }
  ASSERT_EQ(lines.size(), 3u) << r.out;
  const char* ids[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lines[i]->getValue<std::string>("id"), ids[i]);
  EXPECT_EQ(lines[0]->getValue<std::string>("status"), "delivered");
  EXPECT_EQ(lines[1]->getValue<std::string>("status"), "retry_later");
  EXPECT_NE(lines[1]->getValue<std::string>("detail").find("plugin returned no result"),
            std::string::npos);
  EXPECT_EQ(lines[2]->getValue<std::string>("status"), "delivered");
  EXPECT_NE(r.err.find("channel fixture_short returned 2 results for 3 messages"),
            std::string::npos)
      << "one warning names the plugin's fault: " << r.err;
}

}  // namespace
