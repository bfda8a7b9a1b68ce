#include "message_input.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;

TEST(SplitAddresses, TrimsAndDropsEmpties) {
  EXPECT_EQ(notify_host::SplitAddresses(" a@x.com, ,b@y.com ,"),
            (std::vector<std::string>{"a@x.com", "b@y.com"}));
}

TEST(ReadBatchFile, ListsEveryBadLineByNumber) {
  fs::path p = fs::temp_directory_path() / ("batch-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(p) << "not json\n"
                   << R"({"to":"a@x.com","subject":"s"})"
                   << "\n"
                   << R"({"subject":"no recipient"})"
                   << "\n"
                   << R"({"to":"a@x.com","colour":"red"})"
                   << "\n";
  auto parsed = notify_host::ReadBatchFile(p.string());
  ASSERT_FALSE(parsed.ok());
  const auto& m = parsed.status().message();
  EXPECT_NE(m.find("line 1"), std::string::npos);
  EXPECT_EQ(m.find("line 2"), std::string::npos);
  EXPECT_NE(m.find("line 3: no recipient"), std::string::npos);
  EXPECT_NE(m.find("line 4: unknown key \"colour\""), std::string::npos);
  fs::remove(p);
}

TEST(ReadBatchFile, DefaultIdsNameFileAndLine) {
  fs::path p = fs::temp_directory_path() / ("ids-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream(p) << R"({"to":["a@x.com"],"cc":"b@x.com","subject":"s","body":"b"})"
                   << "\n";
  auto parsed = notify_host::ReadBatchFile(p.string());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed.value().size(), 1u);
  EXPECT_EQ(parsed.value()[0].id, p.filename().string() + ":1");
  EXPECT_EQ(parsed.value()[0].cc, std::vector<std::string>{"b@x.com"});
  fs::remove(p);
}

TEST(AttachmentFromFile, MissingFileIsAnErrorNamingIt) {
  auto a = notify_host::AttachmentFromFile("/no/such/report.pdf");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("/no/such/report.pdf"), std::string::npos);
}

}  // namespace
