// Every generic, descriptor-driven settings rule of the SDK.
#include "notify/sdk/settings.hpp"

#include <gtest/gtest.h>

namespace {

using notify::FieldDescriptor;
using notify::FieldIssue;
using notify::FieldType;
using notify::Settings;
using notify::sdk::CheckFields;

std::vector<FieldDescriptor> Form() {
  FieldDescriptor name{"name", "Name", FieldType::kText, true};
  name.max_length = 16;
  FieldDescriptor port{"port", "Port", FieldType::kInteger};
  port.default_value = "587";
  port.min = 1;
  port.max = 65535;
  FieldDescriptor size{"size", "Size", FieldType::kChoice};
  size.choices = {"small", "medium", "large"};
  size.default_value = "medium";
  FieldDescriptor mail{"mail", "Mail", FieldType::kEmail};
  FieldDescriptor id{"id", "Id", FieldType::kGuid};
  FieldDescriptor tenant{"tenant", "Tenant", FieldType::kGuidOrDomain};
  FieldDescriptor url{"url", "Url", FieldType::kUrl};
  FieldDescriptor flag{"flag", "Flag", FieldType::kBoolean};
  FieldDescriptor secret{"secret", "Secret", FieldType::kSecret, true};
  return {name, port, size, mail, id, tenant, url, flag, secret};
}

Settings Valid() {
  return {{"name", "prod"},
          {"port", "587"},
          {"size", "large"},
          {"mail", "a.b+c@contoso.com"},
          {"id", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"},
          {"tenant", "contoso.onmicrosoft.com"},
          {"url", "https://login.example.com:8443/x"},
          {"flag", "true"},
          {"secret", "s3cr3t value~+/="}};
}

// The issues for `valid` with one key changed (or removed when value is nullptr).
std::vector<FieldIssue> With(const std::string& key, const char* value) {
  Settings s = Valid();
  if (value)
    s[key] = value;
  else
    s.erase(key);
  return CheckFields(Form(), s);
}

void ExpectOneIssueFor(const std::vector<FieldIssue>& issues, const std::string& field) {
  ASSERT_EQ(issues.size(), 1u) << (issues.empty() ? "" : issues[0].message);
  EXPECT_EQ(issues[0].field, field);
  EXPECT_EQ(issues[0].severity, notify::Severity::kError);
  EXPECT_FALSE(issues[0].message.empty());
  EXPECT_FALSE(issues[0].remedy.empty());
}

TEST(CheckFields, AcceptsValidSettings) { EXPECT_TRUE(CheckFields(Form(), Valid()).empty()); }

TEST(CheckFields, RequiredMissingOrEmpty) {
  ExpectOneIssueFor(With("name", nullptr), "name");
  ExpectOneIssueFor(With("name", ""), "name");
}

TEST(CheckFields, OptionalMayBeAbsent) { EXPECT_TRUE(With("port", nullptr).empty()); }

TEST(CheckFields, UnknownKeyNamesTheKnownOnes) {
  Settings s = Valid();
  s["colour"] = "red";
  auto issues = CheckFields(Form(), s);
  ExpectOneIssueFor(issues, "colour");
  EXPECT_NE(issues[0].remedy.find("port"), std::string::npos);
}

// Found by fuzz_settings: an empty key gave an issue that named no field.
TEST(CheckFields, EmptyKeyIsNamed) {
  Settings s = Valid();
  s[""] = "x";
  ExpectOneIssueFor(CheckFields(Form(), s), "(empty key)");
}

TEST(CheckFields, TooLong) { ExpectOneIssueFor(With("name", "abcdefghijklmnopq"), "name"); }

TEST(CheckFields, ControlCharactersAreRefusedWithoutEchoingTheValue) {
  ExpectOneIssueFor(With("name", "a\r\nb"), "name");
  auto issues = CheckFields(Form(), [] {
    Settings s = Valid();
    s["secret"] = std::string("top\nsecret", 10);
    return s;
  }());
  ExpectOneIssueFor(issues, "secret");
  EXPECT_EQ(issues[0].message.find("top"), std::string::npos);
  Settings nul = Valid();
  nul["name"] = std::string("a\0b", 3);
  ExpectOneIssueFor(CheckFields(Form(), nul), "name");
}

TEST(CheckFields, SurroundingWhiteSpace) {
  ExpectOneIssueFor(With("mail", " a@contoso.com"), "mail");
}

TEST(CheckFields, IntegerMustBeANumberInRange) {
  ExpectOneIssueFor(With("port", "abc"), "port");
  ExpectOneIssueFor(With("port", "58 7"), "port");
  ExpectOneIssueFor(With("port", "0"), "port");
  ExpectOneIssueFor(With("port", "65536"), "port");
  ExpectOneIssueFor(With("port", "99999999999999999999"), "port");
  EXPECT_TRUE(With("port", "65535").empty());
}

TEST(CheckFields, ChoiceListsTheChoices) {
  auto issues = With("size", "huge");
  ExpectOneIssueFor(issues, "size");
  EXPECT_NE(issues[0].remedy.find("small, medium, large"), std::string::npos);
}

TEST(CheckFields, Email) {
  for (const char* bad : {"nobody", "@contoso.com", "a@", "a@contoso", "a b@contoso.com",
                          "Name <a@contoso.com>", "a@@contoso.com", "a..b@contoso.com"}) {
    ExpectOneIssueFor(With("mail", bad), "mail");
  }
}

TEST(CheckFields, Guid) {
  for (const char* bad : {"0b9d7e4c6a214f3b8e5d7c1a2b3c4d5e", "0b9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5",
                          "xb9d7e4c-6a21-4f3b-8e5d-7c1a2b3c4d5e"}) {
    ExpectOneIssueFor(With("id", bad), "id");
  }
}

TEST(CheckFields, GuidOrDomain) {
  EXPECT_TRUE(With("tenant", "4f7c2a51-0d3e-4b8a-9c61-2e5f8d7a1b30").empty());
  for (const char* bad : {"contoso", "-contoso.com", "conto so.com", "10.0.0.1", "a..com"}) {
    ExpectOneIssueFor(With("tenant", bad), "tenant");
  }
}

TEST(CheckFields, Url) {
  for (const char* bad :
       {"login.example.com", "https://", "https://host:0", "https://host:99999", "://host"}) {
    ExpectOneIssueFor(With("url", bad), "url");
  }
}

TEST(CheckFields, Boolean) {
  ExpectOneIssueFor(With("flag", "maybe"), "flag");
  EXPECT_TRUE(With("flag", "No").empty());
}

TEST(CheckFields, ReportsEveryProblemAtOnce) {
  Settings s = Valid();
  s["port"] = "x";
  s["size"] = "huge";
  s.erase("name");
  s["extra"] = "1";
  EXPECT_EQ(CheckFields(Form(), s).size(), 4u);
}

TEST(SettingsView, DefaultsAndTypes) {
  notify::sdk::SettingsView view(Form(), {{"port", "2525"}, {"flag", "yes"}});
  EXPECT_EQ(view.GetInt("port"), 2525);
  EXPECT_EQ(view.Get("size"), "medium");
  EXPECT_TRUE(view.GetBool("flag"));
  EXPECT_FALSE(view.Has("name"));
  notify::sdk::SettingsView defaults(Form(), {});
  EXPECT_EQ(defaults.GetInt("port"), 587);
}

TEST(MaskSecret, NeverShowsTheValue) {
  EXPECT_EQ(notify::sdk::MaskSecret("abc"), "********");
  EXPECT_EQ(notify::sdk::MaskSecret(""), "");
}

}  // namespace
