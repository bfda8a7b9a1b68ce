// The MIME builder: headers, encodings, structure, and what it refuses.
#include "mime/mime_builder.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Net/QuotedPrintableDecoder.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mime/mime_encoding.hpp"

namespace m365 {
namespace {

const char kFrom[] = "notify@contoso.onmicrosoft.com";

notify::Message Simple() {
  notify::Message m;
  m.id = "m1";
  m.to = {"alice@contoso.com"};
  m.subject = "Disk almost full";
  m.text_body = "Volume /data is 91% full.\r\n";
  return m;
}

MimeMessage BuildOk(const notify::Message& m, const std::string& from_name = "Notify") {
  auto built = MimeBuilder(kFrom, from_name).Build(m);
  EXPECT_TRUE(built.ok()) << built.status().message();
  return built.ok() ? *built : MimeMessage();
}

std::string BuildError(const notify::Message& m, const std::string& from_name = "") {
  auto built = MimeBuilder(kFrom, from_name).Build(m);
  EXPECT_FALSE(built.ok());
  return built.ok() ? "" : built.status().message();
}

std::string HeaderBlock(const std::string& data) {
  return data.substr(0, data.find("\r\n\r\n") + 2);
}

// The unfolded value of the first header `name` in the top-level header block.
std::string Header(const std::string& data, const std::string& name) {
  std::string headers = HeaderBlock(data);
  std::size_t pos = ("\r\n" + headers).find("\r\n" + name + ":");
  if (pos == std::string::npos) return "<none>";
  std::size_t start = pos + name.size() + 1;
  std::string value;
  while (true) {
    std::size_t end = headers.find("\r\n", start);
    value += headers.substr(start, end - start);
    start = end + 2;
    if (start >= headers.size() || (headers[start] != ' ' && headers[start] != '\t')) break;
  }
  return value.substr(value.find_first_not_of(' '));
}

std::string DecodeBase64(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  return std::string(std::istreambuf_iterator<char>(decoder), {});
}

std::string DecodeQp(const std::string& text) {
  std::istringstream in(text);
  Poco::Net::QuotedPrintableDecoder decoder(in);
  return std::string(std::istreambuf_iterator<char>(decoder), {});
}

// Decodes a run of RFC 2047 "B" encoded words.
std::string DecodeWords(const std::string& value) {
  std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  std::string out;
  for (std::sregex_iterator it(value.begin(), value.end(), word), end; it != end; ++it) {
    EXPECT_LE(it->str().size(), 75u);
    out += DecodeBase64((*it)[1]);
  }
  return out;
}

std::string Boundary(const std::string& content_type) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(content_type, m, std::regex("boundary=\"([^\"]+)\"")));
  return m[1];
}

// The parts of a multipart body between `boundary` delimiters.
std::vector<std::string> Parts(const std::string& body, const std::string& boundary) {
  std::vector<std::string> parts;
  std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter + "\r\n");
  while (pos != std::string::npos) {
    std::size_t start = pos + delimiter.size() + 2;
    std::size_t next = body.find("\r\n" + delimiter, start);
    if (next == std::string::npos) break;
    parts.push_back(body.substr(start, next - start));
    pos = body.compare(next + 2 + delimiter.size(), 2, "--") == 0 ? std::string::npos : next + 2;
  }
  return parts;
}

std::string Body(const std::string& entity) { return entity.substr(entity.find("\r\n\r\n") + 4); }

TEST(MimeBuilderTest, PlainTextMessage) {
  MimeMessage mime = BuildOk(Simple());
  EXPECT_EQ(Header(mime.data, "From"), "\"Notify\" <notify@contoso.onmicrosoft.com>");
  EXPECT_EQ(Header(mime.data, "To"), "alice@contoso.com");
  EXPECT_EQ(Header(mime.data, "Subject"), "Disk almost full");
  EXPECT_EQ(Header(mime.data, "MIME-Version"), "1.0");
  EXPECT_EQ(Header(mime.data, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(mime.data, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_TRUE(std::regex_match(
      Header(mime.data, "Date"),
      std::regex(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000)")))
      << Header(mime.data, "Date");
  EXPECT_EQ(Header(mime.data, "Message-ID"), mime.message_id);
  EXPECT_TRUE(
      std::regex_match(mime.message_id, std::regex(R"(<[0-9a-f]{32}@contoso\.onmicrosoft\.com>)")));
  EXPECT_EQ(DecodeQp(Body(mime.data)), "Volume /data is 91% full.\r\n");
  EXPECT_EQ(mime.recipients, std::vector<std::string>{"alice@contoso.com"});
}

TEST(MimeBuilderTest, EveryLineEndsWithCrlfAndIsShort) {
  notify::Message m = Simple();
  m.text_body = std::string(3000, 'x') + "\nunix line\rmac line\r\n";
  m.html_body = "<p>" + std::string(2000, 'y') + "</p>";
  m.attachments = {{"a.bin", "application/octet-stream", std::string(5000, '\x01')}};
  MimeMessage mime = BuildOk(m);
  std::size_t start = 0;
  while (start < mime.data.size()) {
    std::size_t end = mime.data.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "last line without CRLF";
    std::string line = mime.data.substr(start, end - start);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF";
    EXPECT_LE(line.size(), 78u) << line;
    start = end + 2;
  }
}

TEST(MimeBuilderTest, WithoutDisplayNameFromIsTheAddress) {
  EXPECT_EQ(Header(BuildOk(Simple(), "").data, "From"), kFrom);
  EXPECT_EQ(Header(BuildOk(Simple(), "Ops \"Team\" \\ 1").data, "From"),
            "\"Ops \\\"Team\\\" \\\\ 1\" <notify@contoso.onmicrosoft.com>");
  std::string from = Header(BuildOk(Simple(), "Überwachung").data, "From");
  EXPECT_EQ(DecodeWords(from), "Überwachung");
  EXPECT_NE(from.find(" <notify@contoso.onmicrosoft.com>"), std::string::npos);
}

TEST(MimeBuilderTest, CcInHeadersBccOnlyInTheEnvelope) {
  notify::Message m = Simple();
  m.to = {"alice@contoso.com", "bob@contoso.com"};
  m.cc = {"carol@contoso.com", "ALICE@contoso.com"};
  m.bcc = {"audit@contoso.com"};
  MimeMessage mime = BuildOk(m);
  EXPECT_EQ(Header(mime.data, "To"), "alice@contoso.com, bob@contoso.com");
  EXPECT_EQ(Header(mime.data, "Cc"), "carol@contoso.com, ALICE@contoso.com");
  EXPECT_EQ(Header(mime.data, "Bcc"), "<none>");
  EXPECT_EQ(mime.data.find("audit@"), std::string::npos);
  EXPECT_EQ(mime.recipients, (std::vector<std::string>{"alice@contoso.com", "bob@contoso.com",
                                                       "carol@contoso.com", "audit@contoso.com"}));
}

TEST(MimeBuilderTest, OnlyBccGetsUndisclosedRecipients) {
  notify::Message m = Simple();
  m.to.clear();
  m.bcc = {"audit@contoso.com"};
  MimeMessage mime = BuildOk(m);
  EXPECT_EQ(Header(mime.data, "To"), "undisclosed-recipients:;");
  EXPECT_EQ(mime.recipients, std::vector<std::string>{"audit@contoso.com"});
}

TEST(MimeBuilderTest, Utf8SubjectIsEncoded) {
  notify::Message m = Simple();
  m.subject = "Störung: Füllstand 91 % — Server «München-01» 🚨 " + std::string(40, 'a');
  std::string subject = Header(BuildOk(m).data, "Subject");
  EXPECT_EQ(subject.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(DecodeWords(subject), m.subject);
}

TEST(MimeBuilderTest, AsciiSubjectThatLooksEncodedIsEncoded) {
  notify::Message m = Simple();
  m.subject = "literal =?UTF-8?B?eA==?= text";
  EXPECT_EQ(DecodeWords(Header(BuildOk(m).data, "Subject")), m.subject);
}

TEST(MimeBuilderTest, LongAsciiSubjectIsFolded) {
  notify::Message m = Simple();
  for (int i = 0; i < 20; ++i) m.subject += "word" + std::to_string(i) + " ";
  m.subject += "end";
  MimeMessage mime = BuildOk(m);
  EXPECT_NE(HeaderBlock(mime.data).find("\r\n "), std::string::npos);
  EXPECT_EQ(Header(mime.data, "Subject"), m.subject);
}

TEST(MimeBuilderTest, TextAndHtmlAreAlternatives) {
  notify::Message m = Simple();
  m.html_body = "<p>Volume <b>/data</b> is 91% full.</p>";
  MimeMessage mime = BuildOk(m);
  std::string type = Header(mime.data, "Content-Type");
  EXPECT_EQ(type.rfind("multipart/alternative;", 0), 0u);
  std::vector<std::string> parts = Parts(Body(mime.data), Boundary(type));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(Header(parts[0], "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(parts[1], "Content-Type"), "text/html; charset=utf-8");
  // The CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
  EXPECT_EQ(DecodeQp(Body(parts[1])), m.html_body);
}

TEST(MimeBuilderTest, HtmlOnly) {
  notify::Message m = Simple();
  m.text_body.clear();
  m.html_body = "<p>x</p>";
  EXPECT_EQ(Header(BuildOk(m).data, "Content-Type"), "text/html; charset=utf-8");
}

TEST(MimeBuilderTest, AttachmentsMakeMultipartMixed) {
  notify::Message m = Simple();
  m.html_body = "<p>see attached</p>";
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes += static_cast<char>(i % 256);
  m.attachments = {{"report.pdf", "application/pdf", bytes}, {"Bericht März.txt", "", "ä"}};
  MimeMessage mime = BuildOk(m);
  std::string type = Header(mime.data, "Content-Type");
  EXPECT_EQ(type.rfind("multipart/mixed;", 0), 0u);
  std::vector<std::string> parts = Parts(Body(mime.data), Boundary(type));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Header(parts[0], "Content-Type").rfind("multipart/alternative;", 0), 0u);
  EXPECT_EQ(Parts(Body(parts[0]), Boundary(Header(parts[0], "Content-Type"))).size(), 2u);
  EXPECT_EQ(Header(parts[1], "Content-Type"), "application/pdf; name=\"report.pdf\"");
  EXPECT_EQ(Header(parts[1], "Content-Disposition"), "attachment; filename=\"report.pdf\"");
  EXPECT_EQ(Header(parts[1], "Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(DecodeBase64(Body(parts[1])), bytes);
  EXPECT_EQ(Header(parts[2], "Content-Type"),
            "application/octet-stream; name*=UTF-8''Bericht%20M%C3%A4rz.txt");
  EXPECT_EQ(DecodeBase64(Body(parts[2])), "ä");
}

TEST(MimeBuilderTest, ExtraHeaders) {
  notify::Message m = Simple();
  m.extra_headers = {
      {"X-Ticket-Id", "INC-42"}, {"Reply-To", "ops@contoso.com"}, {"X-Note", "grüße"}};
  MimeMessage mime = BuildOk(m);
  EXPECT_EQ(Header(mime.data, "X-Ticket-Id"), "INC-42");
  EXPECT_EQ(Header(mime.data, "Reply-To"), "ops@contoso.com");
  EXPECT_EQ(DecodeWords(Header(mime.data, "X-Note")), "grüße");
}

TEST(MimeBuilderTest, MessageIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(BuildOk(Simple()).message_id);
  EXPECT_EQ(ids.size(), 200u);
}

TEST(MimeBuilderTest, QuotedPrintableBody) {
  EXPECT_EQ(EncodeQuotedPrintable("a=b \r\n.dot\ttab\t\nend "),
            "a=3Db=20\r\n.dot\ttab=09\r\nend=20\r\n");
  std::string long_line(200, 'z');
  std::string encoded = EncodeQuotedPrintable(long_line);
  EXPECT_NE(encoded.find("=\r\n"), std::string::npos);
  EXPECT_EQ(DecodeQp(encoded), long_line + "\r\n");
  EXPECT_EQ(DecodeQp(EncodeQuotedPrintable("é€")), "é€\r\n");
}

// Every line of an encoded body ends with CRLF and has at most 76 characters.
void ExpectBodyLines(const std::string& encoded) {
  std::size_t start = 0;
  while (start < encoded.size()) {
    std::size_t end = encoded.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "last line without CRLF";
    EXPECT_LE(end - start, 76u);
    EXPECT_EQ(encoded.substr(start, end - start).find_first_of("\r\n"), std::string::npos);
    start = end + 2;
  }
}

TEST(MimeBuilderTest, BodiesRoundTripThroughPocosDecoders) {
  // White space before every kind of line break and at the very end, long
  // lines, '=', UTF-8 and control bytes.
  const std::string text = "tail space \r\ntail tab\t\nbare cr \r" + std::string(150, 'q') +
                           " = x\r\n" + std::string(80, ' ') + "\nÜber\x01\x7f end\t";
  const std::string crlf = "tail space \r\ntail tab\t\r\nbare cr \r\n" + std::string(150, 'q') +
                           " = x\r\n" + std::string(80, ' ') + "\r\nÜber\x01\x7f end\t\r\n";
  std::string qp = EncodeQuotedPrintable(text);
  ExpectBodyLines(qp);
  EXPECT_EQ(DecodeQp(qp), crlf);
  EXPECT_EQ(EncodeQuotedPrintable(""), "");
  for (std::size_t size : {0u, 1u, 2u, 3u, 56u, 57u, 58u, 114u, 1000u, 4096u}) {
    std::string bytes;
    for (std::size_t i = 0; i < size; ++i) bytes += static_cast<char>((i * 167 + 13) & 0xFF);
    std::string lines = EncodeBase64Lines(bytes);
    ExpectBodyLines(lines);
    EXPECT_EQ(DecodeBase64(lines), bytes) << size;
    EXPECT_EQ(lines.size(),
              size == 0 ? 0 : (size + 2) / 3 * 4 + ((size + 2) / 3 * 4 + 75) / 76 * 2);
  }
}

TEST(MimeBuilderTest, MessageIdsAreUniqueAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      MimeBuilder builder(kFrom, "");
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(builder.Build(Simple())->message_id);
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : ids) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// A host that forks (a service's workers) must not repeat its parent's IDs:
// the random source is reseeded in the child, not copied with the memory.
TEST(MimeBuilderTest, MessageIdsAfterForkDifferFromTheParents) {
  MimeBuilder builder(kFrom, "");
  builder.Build(Simple());  // the parent's source is in use before the fork
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string ids;
    for (int i = 0; i < 20; ++i) ids += builder.Build(Simple())->message_id + "\n";
    ssize_t written = ::write(pipe_fds[1], ids.data(), ids.size());
    ::_exit(written == static_cast<ssize_t>(ids.size()) ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::set<std::string> parent;
  for (int i = 0; i < 20; ++i) parent.insert(builder.Build(Simple())->message_id);
  std::string text;
  char chunk[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;) text.append(chunk, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::istringstream lines(text);
  int seen = 0;
  for (std::string id; std::getline(lines, id); ++seen) {
    EXPECT_TRUE(std::regex_match(id, std::regex(R"(<[0-9a-f]{32}@contoso\.onmicrosoft\.com>)")))
        << id;
    EXPECT_EQ(parent.count(id), 0u) << "the child repeated its parent's " << id;
  }
  EXPECT_EQ(seen, 20);
}

TEST(MimeBuilderTest, RefusesLineBreaksInHeaders) {
  notify::Message m = Simple();
  m.subject = "hello\r\nBcc: victim@example.com";
  EXPECT_NE(BuildError(m).find("subject"), std::string::npos);
  m = Simple();
  m.subject = "bare\nlf";
  EXPECT_NE(BuildError(m).find("line break"), std::string::npos);
  m = Simple();
  m.extra_headers = {{"X-A", "v\r\nBcc: x@example.com"}};
  EXPECT_NE(BuildError(m).find("extra_headers[0]"), std::string::npos);
  m = Simple();
  m.extra_headers = {{"X-A\r\nBcc", "v"}};
  EXPECT_NE(BuildError(m).find("is not a header name"), std::string::npos);
  m = Simple();
  m.extra_headers = {{"X A", "v"}};
  EXPECT_NE(BuildError(m).find("is not a header name"), std::string::npos);
  EXPECT_NE(BuildError(Simple(), "Evil\r\nBcc: x@example.com").find("from_name"),
            std::string::npos);
  m = Simple();
  m.attachments = {{"a\r\n.txt", "text/plain", "x"}};
  EXPECT_NE(BuildError(m).find("attachments[0].name"), std::string::npos);
  m = Simple();
  m.attachments = {{"a.txt", "text/plain\r\nX-Evil: 1", "x"}};
  EXPECT_NE(BuildError(m).find("attachments[0].content_type"), std::string::npos);
}

TEST(MimeBuilderTest, RefusesInvalidAddresses) {
  notify::Message m = Simple();
  m.cc = {"carol@contoso.com", "not an address"};
  std::string error = BuildError(m);
  EXPECT_NE(error.find("cc[1]"), std::string::npos) << error;
  EXPECT_NE(error.find("not an address"), std::string::npos);
  m = Simple();
  m.to = {"<alice@contoso.com>"};
  EXPECT_NE(BuildError(m).find("to[0]"), std::string::npos);
  m = Simple();
  m.bcc = {"a@b.com\r\nRCPT TO:<x@y.com>"};
  EXPECT_NE(BuildError(m).find("bcc[0]"), std::string::npos);
  m = Simple();
  m.to.clear();
  EXPECT_NE(BuildError(m).find("no recipient"), std::string::npos);
  auto bad_from = MimeBuilder("not-an-address", "").Build(Simple());
  ASSERT_FALSE(bad_from.ok());
  EXPECT_NE(bad_from.status().message().find("from_email"), std::string::npos);
}

TEST(MimeBuilderTest, RefusesHeadersTheChannelWrites) {
  for (const char* name : {"From", "bcc", "Date", "Content-Type", "MIME-Version"}) {
    notify::Message m = Simple();
    m.extra_headers = {{name, "x"}};
    EXPECT_NE(BuildError(m).find("set by the channel"), std::string::npos) << name;
  }
}

// Two attachments that each fit but not together: refused on their raw
// sizes, saying how big they are as the sender knows them (40 MB of files),
// not only the size of an encoded copy that was made to be thrown away.
TEST(MimeBuilderTest, RefusesAMessageOverTheSizeLimitOnItsRawSizes) {
  notify::Message m = Simple();
  for (const char* name : {"a.bin", "b.bin"}) {
    m.attachments.push_back({name, "application/octet-stream", std::string(20u << 20, 'x')});
  }
  std::string error = BuildError(m);
  EXPECT_NE(error.find("attachments are 40 MB before base64"), std::string::npos) << error;
  EXPECT_NE(error.find("more than the 35 MB"), std::string::npos) << error;
  // Just under the limit together is still built.
  m.attachments = {{"a.bin", "application/octet-stream", std::string(12u << 20, 'x')},
                   {"b.bin", "application/octet-stream", std::string(12u << 20, 'x')}};
  EXPECT_FALSE(BuildOk(m).data.empty());
}

TEST(MimeBuilderTest, TheHostsMessageIdIsUsedAsGivenAtEveryBuild) {
  notify::Message m = Simple();
  m.extra_headers = {{"X-Ticket", "42"}, {"message-id", "<n-7f3a@notify-host.contoso.com>"}};
  MimeMessage first = BuildOk(m);
  MimeMessage again = BuildOk(m);
  EXPECT_EQ(first.message_id, "<n-7f3a@notify-host.contoso.com>");
  EXPECT_EQ(Header(first.data, "Message-ID"), "<n-7f3a@notify-host.contoso.com>");
  EXPECT_EQ(again.message_id, first.message_id);
  EXPECT_EQ(first.data.find("message-id:"), std::string::npos) << "written once, by the builder";
  EXPECT_EQ(Header(first.data, "X-Ticket"), "42");
}

TEST(MimeBuilderTest, RefusesAMessageIdThatIsNotOne) {
  for (const char* bad :
       {"n-7f3a@x.com", "<n 7f3a@x.com>", "<@x.com>", "<a@>", "<a@b@c>", "<a@b>\r\nBcc: x@y.com"}) {
    notify::Message m = Simple();
    m.extra_headers = {{"Message-ID", bad}};
    EXPECT_NE(BuildError(m).find("extra_headers[0] (Message-ID)"), std::string::npos) << bad;
  }
  notify::Message twice = Simple();
  twice.extra_headers = {{"Message-ID", "<a@b.com>"}, {"Message-ID", "<c@d.com>"}};
  EXPECT_NE(BuildError(twice).find("a second Message-ID"), std::string::npos);
}

TEST(MimeBuilderTest, RefusesInvalidUtf8) {
  notify::Message m = Simple();
  m.subject = "bad \xC3\x28";
  EXPECT_NE(BuildError(m).find("subject: is not valid UTF-8"), std::string::npos);
  m = Simple();
  m.text_body = "\xED\xA0\x80";  // a surrogate
  EXPECT_NE(BuildError(m).find("text_body"), std::string::npos);
}

}  // namespace
}  // namespace m365
