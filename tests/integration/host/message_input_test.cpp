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
  EXPECT_EQ(parsed.value()[0].message.id, p.filename().string() + ":1");
  EXPECT_EQ(parsed.value()[0].message.cc, std::vector<std::string>{"b@x.com"});
  fs::remove(p);
}

TEST(AttachmentFromFile, MissingFileIsAnErrorNamingIt) {
  auto a = notify_host::AttachmentFromFile("/no/such/report.pdf");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("/no/such/report.pdf"), std::string::npos);
}

TEST(ParseBatchText, WrongTypesAreErrorsNotConversions) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id":{"o":1},"to":"a@x.com"})", "\"id\" must be a string"},
      {R"({"id":7,"to":"a@x.com"})", "\"id\" must be a string"},
      {R"({"to":"a@x.com","subject":12345})", "\"subject\" must be a string"},
      {R"({"to":"a@x.com","body":true})", "\"body\" must be a string"},
      {R"({"to":"a@x.com","html":["x"]})", "\"html\" must be a string"},
      {R"({"to":"a@x.com","subject":null})", "\"subject\" must be a string"},
      {R"({"to":"a@x.com","attachments":[5]})", "\"attachments\" must be a list of file paths"},
      {R"({"to":"a@x.com","attachments":"/etc/hostname"})",
       "\"attachments\" must be a list of file paths"},
      {R"({"to":["a@x.com",["b@x.com"]]})", "\"to\" must be an address"},
      {R"({"to":"a@x.com","cc":{"a":"b"}})", "\"cc\" must be an address"},
  };
  for (const auto& [line, expected] : cases) {
    auto parsed = notify_host::ParseBatchText(line + "\n", "b.jsonl");
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_NE(parsed.status().message().find("line 1: " + expected), std::string::npos)
        << line << "\n"
        << parsed.status().message();
  }
}

TEST(ParseBatchText, DuplicateKeysAndIdsAreErrors) {
  auto parsed = notify_host::ParseBatchText(R"({"to":"a@x.com","subject":"a","subject":"b"})"
                                            "\n"
                                            R"({"id":"m1","to":"a@x.com"})"
                                            "\n"
                                            R"({"id":"m1","to":"b@x.com"})"
                                            "\n"
                                            R"({"id":"b.jsonl:5","to":"b@x.com"})"
                                            "\n"
                                            R"({"to":"b@x.com"})"
                                            "\n",
                                            "b.jsonl");
  ASSERT_FALSE(parsed.ok());
  const auto& m = parsed.status().message();
  EXPECT_NE(m.find("line 1: \"subject\" appears twice"), std::string::npos) << m;
  EXPECT_EQ(m.find("line 2:"), std::string::npos) << m;
  EXPECT_NE(m.find("line 3: id \"m1\" is already used on line 2"), std::string::npos) << m;
  EXPECT_NE(m.find("line 5: id \"b.jsonl:5\" is already used on line 4"), std::string::npos)
      << "a default id counts too\n"
      << m;
}

TEST(ParseBatchText, AByteOrderMarkIsAllowedAtTheStartOnly) {
  auto parsed = notify_host::ParseBatchText(
      "\xef\xbb\xbf"
      R"({"id":"a","to":"a@x.com"})"
      "\n",
      "b.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed.value().at(0).message.id, "a");
  parsed = notify_host::ParseBatchText(R"({"id":"a","to":"a@x.com"})"
                                       "\n\xef\xbb\xbf"
                                       R"({"id":"b","to":"a@x.com"})"
                                       "\n",
                                       "b.jsonl");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("line 2"), std::string::npos);
}

TEST(ParseBatchText, BlankLinesCrlfAndNoFinalLineEndKeepTheLineNumbers) {
  auto parsed = notify_host::ParseBatchText(
      "\xef\xbb\xbf\n"
      R"({"to":"a@x.com"})"
      "\r\n\n  \t\n"
      R"({"to":"b@x.com","body":"last"})",
      "b.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed.value().size(), 2u);
  EXPECT_EQ(parsed.value()[0].message.id, "b.jsonl:2");
  EXPECT_EQ(parsed.value()[1].message.id, "b.jsonl:5");
  EXPECT_EQ(parsed.value()[1].message.text_body, "last") << "the line without a line end is read";
}

}  // namespace
