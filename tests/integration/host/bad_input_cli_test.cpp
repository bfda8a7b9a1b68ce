// Bad input at the host, through the real notify-host binary with
// the sample e-mail-file plugin: a store that cannot be written or read as a
// store, batch files with malformed lines, broken options. Each gives a clear
// error naming the file, line or option, leaves the store byte for byte as it
// was, and sends nothing. cli_test.cpp already covers a store that is not
// JSON at all, a failed Save keeping the previous version, and a batch file
// with one malformed line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host_dir.hpp"
#include "notify/test_support/command_run.hpp"
#include "state_text.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::CopyPlugin;
using notify::test_support::CommandRun;
using notify::test_support::ReadWholeFile;

class HostBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("notify-host-bad-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "plugins");
    fs::create_directories(dir_ / "out");
    CopyPlugin(EML_PLUGIN_FILE, dir_ / "plugins" / "eml_file.so");
    UseStore("state.db");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // state.url = sqlite:`store`
  void UseStore(const std::string& store) {
    std::ofstream(dir_ / "host.properties", std::ios::trunc)
        << "plugins.directory = plugins\nplugins.enabled = eml_file\nstate.url = sqlite:" << store
        << "\n";
  }
  // The stored rulesets, secrets decrypted; "" when none (state_text.hpp).
  std::string Stored() const { return host_test::RulesetsText(dir_); }

  CommandRun Host(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir_ / "host.properties").string()});
    return notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir_);
  }

  CommandRun SaveFiles() {
    return Host({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                 "directory=" + (dir_ / "out").string()});
  }

  CommandRun SendBatch(const std::string& lines) {
    std::ofstream(dir_ / "batch.jsonl") << lines;
    return Host({"send", "--ruleset", "files", "--batch", (dir_ / "batch.jsonl").string()});
  }

  bool NothingSent() const { return fs::is_empty(dir_ / "out"); }

  fs::path dir_;
};

TEST_F(HostBadInput, StateDatabaseInADirectoryThatIsAFileIsAnErrorNamingIt) {
  std::ofstream(dir_ / "not-a-dir") << "a file";
  UseStore("not-a-dir/state.db");
  CommandRun r = SaveFiles();
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("state database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not-a-dir/state.db cannot be opened"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(ReadWholeFile(dir_ / "not-a-dir"), "a file");
}

TEST_F(HostBadInput, StateDatabaseThatIsADirectoryIsAnErrorAndLeftAlone) {
  fs::create_directories(dir_ / "state.db");
  CommandRun r = SaveFiles();
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("state.db cannot be opened"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_directory(dir_ / "state.db"));
  EXPECT_TRUE(fs::is_empty(dir_ / "state.db"));
}

TEST_F(HostBadInput, StateDatabaseThatIsASymbolicLinkIsRefused) {
  ASSERT_EQ(SaveFiles().rc, 0);
  fs::rename(dir_ / "state.db", dir_ / "real.db");
  fs::create_symlink(dir_ / "real.db", dir_ / "state.db");
  CommandRun r = Host({"ruleset", "show", "files"});
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
}

TEST_F(HostBadInput, DatabasesThatAreNotOursAreRefusedAndUntouched) {
  ASSERT_EQ(SaveFiles().rc, 0);
  std::string header_broken = ReadWholeFile(dir_ / "state.db");
  header_broken.replace(0, 16, "not SQLite at al");
  const std::vector<std::string> corrupt = {
      header_broken,                         // a damaged file
      "{\"version\": 1, \"rulesets\": {}}",  // the old JSON store where the database should be
  };
  for (const std::string& text : corrupt) {
    SCOPED_TRACE(text.substr(0, 30));
    std::ofstream(dir_ / "state.db", std::ios::trunc | std::ios::binary) << text;
    for (const auto& args :
         {std::vector<std::string>{"ruleset", "save", "files", "--channel", "eml_file", "--set",
                                   "directory=" + (dir_ / "out").string()},
          std::vector<std::string>{"ruleset", "show", "files"},
          std::vector<std::string>{"send", "--ruleset", "files", "--to", "a@contoso.com",
                                   "--subject", "s", "--body", "b"}}) {
      CommandRun r = Host(args);
      EXPECT_EQ(r.rc, 1) << args[0] << ": " << r.out << r.err;
      EXPECT_NE(r.err.find("state database"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
      EXPECT_EQ(ReadWholeFile(dir_ / "state.db"), text);
    }
  }
  EXPECT_TRUE(NothingSent());
}

TEST_F(HostBadInput, BatchWithManyMalformedLinesNamesEachAndSendsNone) {
  ASSERT_EQ(SaveFiles().rc, 0);
  const std::string store = Stored();
  CommandRun r = SendBatch(R"({"id":"ok1","to":"x@contoso.com","subject":"one","body":"1"})"
                           "\n"
                           "this is not json\n"
                           R"(["an","array"])"
                           "\n"
                           R"({"id":"k","to":"x@contoso.com","subjct":"typo"})"
                           "\n"
                           R"({"id":"t","to":42,"subject":"number"})"
                           "\n"
                           R"({"id":"n","subject":"nobody"})"
                           "\n"
                           R"({"id":"a","to":"x@contoso.com","attachments":["/no/such/file.pdf"]})"
                           "\n"
                           R"({"id":"ok2","to":"x@contoso.com","subject":"two","body":"2"})"
                           "\n");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  for (int line : {2, 3, 4, 5, 6, 7}) {
    EXPECT_NE(r.err.find("line " + std::to_string(line) + ":"), std::string::npos) << line << "\n"
                                                                                   << r.err;
  }
  for (int line : {1, 8}) {
    EXPECT_EQ(r.err.find("line " + std::to_string(line) + ":"), std::string::npos) << r.err;
  }
  EXPECT_NE(r.err.find("subjct"), std::string::npos) << "the unknown key is named";
  EXPECT_NE(r.err.find("\"to\" must be an address"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("SharedPtr"), std::string::npos) << "an error for people, not C++ types";
  EXPECT_NE(r.err.find("/no/such/file.pdf"), std::string::npos) << "the missing file is named";
  EXPECT_NE(r.err.find("nothing was sent"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());
  EXPECT_EQ(Stored(), store);
}

TEST_F(HostBadInput, MissingBatchFileAndBrokenOptionsAreUsageErrors) {
  ASSERT_EQ(SaveFiles().rc, 0);
  const std::string store = Stored();
  CommandRun r = Host({"send", "--ruleset", "files", "--batch", (dir_ / "none.jsonl").string()});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("none.jsonl"), std::string::npos) << r.err;
  r = Host({"ruleset", "save", "files", "--channel", "eml_file", "--set", "directory"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--set takes KEY=VALUE"), std::string::npos) << r.err;
  r = Host({"ruleset", "save", "files", "--channel", "eml_file", "--set", "=x"});
  EXPECT_EQ(r.rc, 2);
  r = Host({"send", "--ruleset", "files", "--to", "a@contoso.com", "--subject", "s", "--body", "b",
            "--attach", (dir_ / "missing.pdf").string()});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("missing.pdf"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());
  EXPECT_EQ(Stored(), store);
}

TEST_F(HostBadInput, BatchWithWrongTypesSendsNothingAndNamesEachLine) {
  ASSERT_EQ(SaveFiles().rc, 0);
  // Line 1 has an object for a subject; lines 2 and 3 are good: nothing of
  // the file may be sent, not even the good lines.
  CommandRun r = SendBatch(R"({"id":"a","to":"x@contoso.com","subject":{"o":1},"body":"1"})"
                           "\n"
                           R"({"id":"b","to":"x@contoso.com","subject":"two","body":"2"})"
                           "\n"
                           R"({"id":"c","to":"x@contoso.com","subject":"three","body":"3"})"
                           "\n");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("line 1: \"subject\" must be a string"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());

  r = SendBatch(R"({"id":{"o":1},"to":"x@contoso.com"})"
                "\n"
                R"({"id":"s","to":"x@contoso.com","subject":12345})"
                "\n"
                R"({"id":"t","to":"x@contoso.com","body":true})"
                "\n"
                R"({"id":"u","to":"x@contoso.com","attachments":[5]})"
                "\n"
                R"({"id":"v","to":"x@contoso.com","html":null})"
                "\n"
                R"({"id":"w","id":"w2","to":"x@contoso.com"})"
                "\n"
                R"({"id":"ok","to":"x@contoso.com","subject":"fine"})"
                "\n"
                R"({"id":"ok","to":"y@contoso.com","subject":"again"})"
                "\n");
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  for (const char* expected :
       {"line 1: \"id\" must be a string", "line 2: \"subject\" must be a string",
        "line 3: \"body\" must be a string", "line 4: \"attachments\" must be a list of file paths",
        "line 5: \"html\" must be a string", "line 6: \"id\" appears twice",
        "line 8: id \"ok\" is already used on line 7"}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  }
  EXPECT_EQ(r.err.find("line 7:"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());
}

TEST_F(HostBadInput, BatchFileStartingWithAByteOrderMarkIsRead) {
  ASSERT_EQ(SaveFiles().rc, 0);
  CommandRun r = SendBatch(
      "\xef\xbb\xbf"
      R"({"id":"bom","to":"x@contoso.com","subject":"s"})"
      "\n");
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "bom.eml"));
}

TEST_F(HostBadInput, SettingsFileThatCannotBeReadIsAUsageErrorNamingIt) {
  fs::create_directories(dir_ / "a-directory.properties");
  CommandRun r = notify::test_support::RunCommand(
      NOTIFY_HOST_BIN, {"--config", (dir_ / "a-directory.properties").string(), "plugins"}, dir_,
      10);
  EXPECT_EQ(r.rc, 2) << "not a hang, not a start with no settings\n" << r.out << r.err;
  EXPECT_NE(r.err.find((dir_ / "a-directory.properties").string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --config FILE"), std::string::npos) << r.err;
}

TEST_F(HostBadInput, ConfigWithoutAValueIsAUsageError) {
  for (const auto& args : {std::vector<std::string>{"--config=", "plugins"},
                           std::vector<std::string>{"--config", "", "plugins"}}) {
    CommandRun r = notify::test_support::RunCommand(NOTIFY_HOST_BIN, args, dir_, 10);
    EXPECT_EQ(r.rc, 2) << r.err;
    EXPECT_NE(r.err.find("--config needs a file name"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("notify-host.properties"), std::string::npos)
        << "no fallback to the default file: " << r.err;
  }
}

TEST_F(HostBadInput, RulesetNamesOutsideTheRuleAreRefused) {
  for (const std::string& name :
       {std::string(""), std::string("a\nb"), std::string("a/b"), std::string("with space"),
        std::string(65, 'n'), std::string(100 * 1024, 'n'), std::string("caf\xc3\xa9")}) {
    SCOPED_TRACE(name.substr(0, 20));
    CommandRun r = Host({"ruleset", "save", name, "--channel", "eml_file", "--set",
                         "directory=" + (dir_ / "out").string()});
    EXPECT_EQ(r.rc, 2) << r.out << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("1-64 characters of A-Z a-z 0-9 . _ -"), std::string::npos)
        << r.err.substr(0, 300);
    EXPECT_LT(r.err.size(), 1000u) << "a long name is not echoed whole";
    EXPECT_EQ(Stored(), "");
  }
  EXPECT_EQ(Host({"ruleset", "save", std::string(64, 'n') + "", "--channel", "eml_file", "--set",
                  "directory=" + (dir_ / "out").string()})
                .rc,
            0);
  EXPECT_EQ(Host({"ruleset", "save", "Ops_alerts-2.eu", "--channel", "eml_file", "--set",
                  "directory=" + (dir_ / "out").string()})
                .rc,
            0);
}

TEST_F(HostBadInput, RulesetDeleteRemovesOneRuleset) {
  ASSERT_EQ(SaveFiles().rc, 0);
  ASSERT_EQ(Host({"ruleset", "save", "other", "--channel", "eml_file", "--set",
                  "directory=" + (dir_ / "out").string()})
                .rc,
            0);
  CommandRun r = Host({"ruleset", "delete", "files"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ruleset 'files' deleted"), std::string::npos) << r.out;
  EXPECT_EQ(Host({"ruleset", "show", "files"}).rc, 2);
  EXPECT_EQ(Host({"ruleset", "show", "other"}).rc, 0);
  const std::string store = Stored();
  r = Host({"ruleset", "delete", "files"});
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no ruleset 'files'"), std::string::npos) << r.err;
  EXPECT_EQ(Stored(), store);
  EXPECT_EQ(Host({"ruleset", "delete"}).rc, 2);
}

TEST_F(HostBadInput, TestRecipientMustBeAnAddress) {
  for (const std::string& to : {"not-an-address", "", "a@b.com,c@d.com"}) {
    SCOPED_TRACE(to);
    CommandRun r = Host({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                         "directory=" + (dir_ / "out").string(), "--test-to", to});
    EXPECT_EQ(r.rc, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("--test-to"), std::string::npos) << r.err;
    EXPECT_EQ(Stored(), "");
  }
}

TEST_F(HostBadInput, ASettingGivenTwiceIsAnErrorNamingIt) {
  CommandRun r = Host({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                       "directory=" + (dir_ / "out").string(), "--set", "directory=/tmp"});
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--set directory is given twice"), std::string::npos) << r.err;
  EXPECT_EQ(Stored(), "");
}

// A sparse file of `bytes`: big to the host, nothing on the disk.
void MakeSparseFile(const fs::path& path, std::uintmax_t bytes) {
  std::ofstream(path, std::ios::binary) << "x";
  fs::resize_file(path, bytes);
}

// Attachments are checked before anything is read: only regular files of a
// real size, at most 35 MB each and together per message. A FIFO, a device,
// a directory, a /proc file (which reports 0 bytes: /proc/self/environ would
// mail the host's environment) are refused by line, naming the file and
// what it is, and nothing of the batch is sent.
TEST_F(HostBadInput, AttachmentsThatAreNotRegularFilesOrTooBigAreRefusedByLine) {
  ASSERT_EQ(SaveFiles().rc, 0);
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::create_directories(dir_ / "folder");
  MakeSparseFile(dir_ / "big.bin", 36u << 20);
  MakeSparseFile(dir_ / "half1.bin", 20u << 20);
  MakeSparseFile(dir_ / "half2.bin", 20u << 20);
  std::ofstream(dir_ / "small.txt") << "fine";
  auto line = [](const std::string& id, const std::vector<fs::path>& files) {
    std::string list;
    for (const auto& f : files) list += (list.empty() ? "\"" : ",\"") + f.string() + "\"";
    return R"({"id":")" + id + R"(","to":"x@contoso.com","attachments":[)" + list + "]}\n";
  };
  CommandRun r = SendBatch(line("ok", {dir_ / "small.txt"}) + line("fifo", {fifo}) +
                           line("device", {"/dev/zero"}) + line("environ", {"/proc/self/environ"}) +
                           line("folder", {dir_ / "folder"}) + line("big", {dir_ / "big.bin"}) +
                           line("two", {dir_ / "half1.bin", dir_ / "half2.bin"}));
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  for (const std::string& expected :
       {"line 2: " + fifo.string() + " is a FIFO (named pipe): only regular files",
        std::string("line 3: /dev/zero is a character device: only regular files"),
        std::string("line 4: /proc/self/environ is on /proc, whose files do not report their "
                    "true size"),
        "line 5: " + (dir_ / "folder").string() + " is a directory",
        "line 6: " + (dir_ / "big.bin").string() + " is 37748736 bytes, more than 36700160",
        std::string("line 7: the attachments are 40 MB together, more than the 35 MB one "
                    "message may carry")}) {
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << "\n" << r.err;
  }
  EXPECT_EQ(r.err.find("line 1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was sent"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());

  // The single-message form refuses the same way.
  r = Host({"send", "--ruleset", "files", "--to", "a@contoso.com", "--subject", "s", "--body", "b",
            "--attach", "/proc/self/environ"});
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/proc/self/environ is on /proc"), std::string::npos) << r.err;
  EXPECT_TRUE(NothingSent());
}

// Attachments are read chunk by chunk as the batch is sent (at most 64 MB of
// them per Deliver call), and every message still gets its result, in order.
TEST_F(HostBadInput, ABatchOfLargeAttachmentsIsSentWholeInOrder) {
  ASSERT_EQ(SaveFiles().rc, 0);
  std::string lines;
  for (int i = 1; i <= 4; ++i) {
    const fs::path file = dir_ / ("report" + std::to_string(i) + ".bin");
    MakeSparseFile(file, 30u << 20);
    lines += R"({"id":"m)" + std::to_string(i) + R"(","to":"x@contoso.com","attachments":[")" +
             file.string() + "\"]}\n";
  }
  CommandRun r = SendBatch(lines);
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 of 4 delivered"), std::string::npos) << r.out;
  std::size_t at = 0;
  for (const char* id : {"m1", "m2", "m3", "m4"}) {
    std::size_t found = r.out.find(id, at);
    EXPECT_NE(found, std::string::npos) << id << " missing or out of order:\n" << r.out;
    if (found != std::string::npos) at = found;
  }
}

}  // namespace
