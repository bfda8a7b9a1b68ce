// What notify-host prints, through the real binary: text that came from a
// server, a plugin or a batch file cannot drive the terminal or forge a line
// (docs/security.md, "Output"), --json stays valid JSON, and results that
// cannot be written make the command fail instead of vanishing.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include <sstream>

#include "host_dir.hpp"
#include "host_process.hpp"

namespace {

namespace fs = std::filesystem;

using host_test::Fixture;
using host_test::HostDir;
using notify::test_support::CommandRun;

// True when `text` holds something a terminal would act on: a C0 control
// other than the newline ending each line, DEL, a C1 control, or bytes that
// are not UTF-8 (an 8-bit terminal takes a lone 0x9b for CSI).
bool HasTerminalControl(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
      ++i;
      continue;
    }
    std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || i + n > text.size()) return true;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return true;
    }
    if (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) return true;  // C1
    i += n;
  }
  return false;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class HostOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.AddPlugin(EML_PLUGIN_FILE, "eml_file.so");
    dir_.AddPlugin(Fixture("fixture_good"), "fixture_good.so");
    dir_.WriteSettings("eml_file, fixture_good");
  }

  CommandRun SaveFiles() const {
    return dir_.Host({"ruleset", "save", "files", "--channel", "eml_file", "--set",
                      "directory=" + (dir_.path / "out").string()});
  }

  HostDir dir_{"output"};
};

// An id as a batch file may carry it: clear the screen, then a line break and
// a line that looks like another result.
const char kHostileId[] = R"(x\u001b[2J\nforged: delivered)";
const std::string kHostileIdValue = "x\x1b[2J\nforged: delivered";

TEST_F(HostOutput, ABatchIdWithEscapesAndANewlineIsShownEscaped) {
  ASSERT_EQ(SaveFiles().rc, 0);
  std::ofstream(dir_.path / "batch.jsonl")
      << R"({"id":")" << kHostileId << R"(","to":"a@contoso.com","subject":"s","body":"b"})"
      << "\n";
  const std::string batch = (dir_.path / "batch.jsonl").string();
  CommandRun r = dir_.Host({"send", "--ruleset", "files", "--batch", batch});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_FALSE(HasTerminalControl(r.out)) << r.out;
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << "one result line and the summary, no forged line\n" << r.out;
  EXPECT_EQ(lines[0].rfind(R"(x\x1b[2J\nforged: delivered: delivered)", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "1 of 1 delivered");

  r = dir_.Host({"send", "--ruleset", "files", "--batch", batch, "--json"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_FALSE(HasTerminalControl(r.out)) << r.out;
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  Poco::JSON::Parser parser;
  auto o = parser.parse(lines[0]).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(o->getValue<std::string>("id"), kHostileIdValue) << "JSON carries the id exactly";
}

TEST_F(HostOutput, ServerTextInAReportIsShownEscaped) {
  // The fixture reports, for target "escapes", a step and an issue with
  // terminal escapes, a C1 CSI, a stray byte, CR LF and forged lines.
  CommandRun r = dir_.Host({"ruleset", "save", "r1", "--channel", "fixture", "--set",
                            "target=escapes", "--set", "api_key=k"});
  EXPECT_EQ(r.rc, 3) << r.out << r.err;
  EXPECT_FALSE(HasTerminalControl(r.out)) << r.out;
  for (const auto& line : Lines(r.out))
    EXPECT_NE(line.rfind("[ok]", 0), 0u) << "a forged line: " << line;
  EXPECT_NE(r.out.find(R"(server says \x1b[2J\x1b]0;owned\x07hello)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"(call\n[ok]   token (1 ms): forged)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"(220 \x1b[31mred\x9b1m été \xff)"), std::string::npos)
      << "printable UTF-8 stays as it is\n"
      << r.out;
  EXPECT_NE(r.out.find(R"(see\r\n[ok]   login: forged)"), std::string::npos) << r.out;

  r = dir_.Host({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=escapes",
                 "--set", "api_key=k", "--json"});
  EXPECT_EQ(r.rc, 3);
  EXPECT_FALSE(HasTerminalControl(r.out)) << r.out;
  Poco::JSON::Parser parser;
  Poco::JSON::Object::Ptr root;
  ASSERT_NO_THROW(root = parser.parse(r.out).extract<Poco::JSON::Object::Ptr>()) << r.out;
  auto step = root->getArray("steps")->getObject(0);
  EXPECT_EQ(step->getValue<std::string>("detail"),
            "220 \x1b[31mred\xef\xbf\xbd"
            "1m \xc3\xa9t\xc3\xa9 \xef\xbf\xbd")
      << "controls escaped per JSON, bytes that are not UTF-8 replaced by U+FFFD";
}

TEST_F(HostOutput, ADeliveryDetailWithEscapesIsShownEscaped) {
  ASSERT_EQ(dir_.Host({"ruleset", "save", "r1", "--channel", "fixture", "--set", "target=a",
                       "--set", "api_key=k"})
                .rc,
            0);
  // The fixture's detail is the subject: a server echoing what it was sent.
  CommandRun r = dir_.Host({"send", "--ruleset", "r1", "--to", "a@contoso.com", "--subject",
                            "\x1b]0;title\x07\x1b[1A", "--body", "b"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_FALSE(HasTerminalControl(r.out)) << r.out;
  EXPECT_NE(r.out.find(R"(cli-1: delivered 250 2.0.0 \x1b]0;title\x07\x1b[1A)"), std::string::npos)
      << r.out;
}

TEST_F(HostOutput, ResultsThatCannotBeWrittenToAFullDeviceFailTheCommand) {
  ASSERT_EQ(SaveFiles().rc, 0);
  int full = ::open("/dev/full", O_WRONLY);
  ASSERT_GE(full, 0);
  int null = ::open("/dev/null", O_RDONLY);
  FILE* err = std::tmpfile();
  for (const auto& args :
       {std::vector<std::string>{"plugins"},
        std::vector<std::string>{"send", "--ruleset", "files", "--to", "a@contoso.com", "--subject",
                                 "s", "--body", "b"}}) {
    SCOPED_TRACE(args[0]);
    ::ftruncate(::fileno(err), 0);
    pid_t pid = host_test::Spawn(NOTIFY_HOST_BIN, dir_.Args(args), null, full, ::fileno(err));
    EXPECT_EQ(host_test::WaitFor(pid), 1);
    std::string text =
        notify::test_support::ReadWholeFile("/proc/self/fd/" + std::to_string(::fileno(err)));
    EXPECT_NE(text.find("cannot write the results to standard output"), std::string::npos) << text;
  }
  std::fclose(err);
  ::close(full);
  ::close(null);
}

TEST_F(HostOutput, ResultsThatCannotBeWrittenToAClosedPipeFailTheCommand) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  ::close(out[0]);  // nobody will read
  int null = ::open("/dev/null", O_RDONLY);
  FILE* err = std::tmpfile();
  pid_t pid =
      host_test::Spawn(NOTIFY_HOST_BIN, dir_.Args({"plugins"}), null, out[1], ::fileno(err));
  ::close(out[1]);
  EXPECT_EQ(host_test::WaitFor(pid), 1) << "not killed by SIGPIPE, not 0";
  std::string text =
      notify::test_support::ReadWholeFile("/proc/self/fd/" + std::to_string(::fileno(err)));
  EXPECT_NE(text.find("cannot write the results to standard output"), std::string::npos) << text;
  std::fclose(err);
  ::close(null);
}

}  // namespace
