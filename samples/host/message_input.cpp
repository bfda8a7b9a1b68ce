#include "message_input.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "terminal_text.hpp"

namespace notify_host {
namespace {

constexpr std::size_t kMaxBatchFileBytes = 256 * 1024 * 1024;
constexpr std::size_t kMaxLineBytes = 64 * 1024 * 1024;
constexpr char kByteOrderMark[] = "\xef\xbb\xbf";

// Poco's handler keeps the last of two equal keys in an object without a
// word; this one also notes the first key that appears twice, so such a line
// is refused instead of half read.
class DuplicateKeyHandler : public Poco::JSON::ParseHandler {
 public:
  void reset() override {
    ParseHandler::reset();
    keys_.clear();
    duplicate_.clear();
  }
  void startObject() override {
    ParseHandler::startObject();
    keys_.emplace_back();
  }
  void endObject() override {
    ParseHandler::endObject();
    if (!keys_.empty()) keys_.pop_back();
  }
  void key(const std::string& k) override {
    ParseHandler::key(k);
    if (!keys_.empty() && !keys_.back().insert(k).second && duplicate_.empty()) duplicate_ = k;
  }
  // The first key found twice in one object, or "".
  const std::string& duplicate() const { return duplicate_; }

 private:
  std::vector<std::set<std::string>> keys_;  // the keys of each open object
  std::string duplicate_;
};

std::string Trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string Megabytes(std::uint64_t bytes) {
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MB";
}

// What a file that is not a regular one is, for an error.
std::string KindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

// The pseudo file systems of Linux whose files report a size (often 0) that
// is not their content's, or "" (f_type values of linux/magic.h).
std::string PseudoFileSystem(const struct statfs& fs) {
  switch (static_cast<unsigned long>(fs.f_type)) {
    case 0x9fa0UL:
      return "/proc";
    case 0x62656572UL:
      return "sysfs (/sys)";
    case 0x64626720UL:
      return "debugfs";
    case 0x74726163UL:
      return "tracefs";
    case 0x73636673UL:
      return "securityfs";
    case 0x27e0ebUL:
      return "cgroupfs";
    case 0x63677270UL:
      return "cgroup2fs";
    case 0x62656570UL:
      return "configfs";
    case 0xde5e81e4UL:
      return "efivarfs";
    default:
      return "";
  }
}

// Checks what stat/fstat and statfs/fstatfs said of `path`: a regular file
// of real size, at most `limit` bytes. Returns its size.
notify::sdk::StatusOr<std::uint64_t> CheckFileFacts(const std::string& path, const struct stat& st,
                                                    const struct statfs& fs, std::uint64_t limit) {
  if (!S_ISREG(st.st_mode)) {
    return notify::sdk::Status::Error(path + " is " + KindOf(st.st_mode) +
                                      ": only regular files can be read");
  }
  std::string pseudo = PseudoFileSystem(fs);
  if (!pseudo.empty()) {
    return notify::sdk::Status::Error(path + " is on " + pseudo +
                                      ", whose files do not report their true size: only "
                                      "files on a disk can be read (copy it to one first)");
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > limit) {
    return notify::sdk::Status::Error(path + " is " + std::to_string(size) + " bytes, more than " +
                                      std::to_string(limit));
  }
  return size;
}

std::string SystemError(const std::string& path) {
  return "cannot read " + path + ": " + std::strerror(errno);
}

// Checks `path` without opening it (opening a device or a FIFO can block or
// act), then returns its size.
notify::sdk::StatusOr<std::uint64_t> CheckPath(const std::string& path, std::uint64_t limit) {
  struct stat st {};
  struct statfs fs {};
  if (::stat(path.c_str(), &st) != 0 || ::statfs(path.c_str(), &fs) != 0) {
    return notify::sdk::Status::Error(SystemError(path));
  }
  return CheckFileFacts(path, st, fs, limit);
}

// Closes a descriptor when it goes out of scope.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads `path`, a regular file of at most `limit` bytes, whole: checked by
// path first, then on the opened file (it may have been replaced in
// between); exactly as many bytes as its size said, so a file that grows
// while read, or holds more than it says, is refused instead of read
// without bound.
notify::sdk::StatusOr<std::string> ReadRegularFile(const std::string& path, std::uint64_t limit) {
  auto checked = CheckPath(path, limit);
  if (!checked.ok()) return checked.status();
  FileDescriptor file;
  // O_NONBLOCK: should a FIFO have taken the file's place, open does not wait for a writer.
  file.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (file.fd < 0) return notify::sdk::Status::Error(SystemError(path));
  struct stat st {};
  struct statfs fs {};
  if (::fstat(file.fd, &st) != 0 || ::fstatfs(file.fd, &fs) != 0) {
    return notify::sdk::Status::Error(SystemError(path));
  }
  auto size = CheckFileFacts(path, st, fs, limit);
  if (!size.ok()) return size.status();
  std::string bytes(static_cast<std::size_t>(size.value()) + 1, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(file.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return notify::sdk::Status::Error(SystemError(path));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != size.value()) {
    return notify::sdk::Status::Error(path + " changed while it was read (" +
                                      std::to_string(size.value()) + " bytes expected)");
  }
  bytes.resize(got);
  return bytes;
}

std::string GuessContentType(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {".pdf", "application/pdf"}, {".txt", "text/plain"},  {".csv", "text/csv"},
      {".htm", "text/html"},       {".html", "text/html"},  {".png", "image/png"},
      {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"}, {".json", "application/json"},
      {".zip", "application/zip"}, {".gif", "image/gif"},   {".xml", "application/xml"}};
  std::string ext = std::filesystem::path(name).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// Reads an address list that is a JSON array of strings or one comma-separated
// string; anything else (a number, an object) is an error naming the key.
notify::sdk::StatusOr<std::vector<std::string>> Addresses(const Poco::JSON::Object::Ptr& o,
                                                          const std::string& key) {
  if (!o->has(key)) return std::vector<std::string>{};
  auto wrong = [&] {
    return notify::sdk::Status::Error("\"" + key +
                                      "\" must be an address, a comma-separated list of "
                                      "addresses or a JSON list of addresses");
  };
  if (o->isArray(key)) {
    std::vector<std::string> out;
    auto list = o->getArray(key);
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (!list->get(static_cast<unsigned int>(i)).isString()) return wrong();
      out.push_back(list->getElement<std::string>(i));
    }
    return out;
  }
  if (!o->get(key).isString()) return wrong();
  return SplitAddresses(o->getValue<std::string>(key));
}

// The string at `key`, or `fallback` when the key is absent. Anything but a
// string (a number, true, null, an object) is an error naming the key: Poco
// would turn it into some text, and that text would be sent.
notify::sdk::StatusOr<std::string> StringAt(const Poco::JSON::Object::Ptr& o,
                                            const std::string& key, const std::string& fallback) {
  if (!o->has(key)) return fallback;
  Poco::Dynamic::Var value = o->get(key);
  if (!value.isString()) return notify::sdk::Status::Error("\"" + key + "\" must be a string");
  return value.extract<std::string>();
}

// One message from one line, or an error text for that line.
notify::sdk::StatusOr<PendingMessage> ParseLine(const std::string& line,
                                                const std::string& default_id) {
  static const char* kKnown[] = {"id", "to", "cc", "bcc", "subject", "body", "html", "attachments"};
  try {
    Poco::SharedPtr<DuplicateKeyHandler> handler = new DuplicateKeyHandler;
    Poco::JSON::Parser parser(handler);
    Poco::Dynamic::Var parsed = parser.parse(line);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
      return notify::sdk::Status::Error("not a JSON message object (a {...} on one line)");
    if (!handler->duplicate().empty())
      return notify::sdk::Status::Error("\"" + handler->duplicate() + "\" appears twice");
    auto o = parsed.extract<Poco::JSON::Object::Ptr>();
    for (const auto& key : o->getNames()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
        return notify::sdk::Status::Error("unknown key \"" + key + "\"");
    }
    PendingMessage pending;
    notify::Message& m = pending.message;
    for (auto [key, field, fallback] : {std::tuple{"id", &m.id, default_id},
                                        {"subject", &m.subject, std::string()},
                                        {"body", &m.text_body, std::string()},
                                        {"html", &m.html_body, std::string()}}) {
      auto value = StringAt(o, key, fallback);
      if (!value.ok()) return value.status();
      *field = std::move(value).value();
    }
    for (auto [key, list] : {std::pair{"to", &m.to}, {"cc", &m.cc}, {"bcc", &m.bcc}}) {
      auto addresses = Addresses(o, key);
      if (!addresses.ok()) return addresses.status();
      *list = std::move(addresses).value();
    }
    if (m.to.empty() && m.cc.empty() && m.bcc.empty())
      return notify::sdk::Status::Error("no recipient (\"to\", \"cc\" or \"bcc\")");
    if (o->has("attachments")) {
      auto wrong = notify::sdk::Status::Error("\"attachments\" must be a list of file paths");
      if (!o->isArray("attachments")) return wrong;
      auto list = o->getArray("attachments");
      for (std::size_t i = 0; i < list->size(); ++i) {
        if (!list->get(static_cast<unsigned int>(i)).isString()) return wrong;
      }
      // Checked now, for all or nothing; read only when the message's chunk
      // is sent.
      for (std::size_t i = 0; i < list->size(); ++i) {
        std::string path = list->getElement<std::string>(i);
        auto size = CheckAttachmentFile(path);
        if (!size.ok()) return size.status();
        pending.attachment_files.push_back(std::move(path));
        pending.attachment_bytes += size.value();
      }
      if (pending.attachment_bytes > kMaxAttachmentBytes) {
        return notify::sdk::Status::Error(
            "the attachments are " + Megabytes(pending.attachment_bytes) +
            " together, more than the " + Megabytes(kMaxAttachmentBytes) +
            " one message may carry");
      }
    }
    return pending;
  } catch (const Poco::Exception& e) {
    return notify::sdk::Status::Error("not a JSON message object: " + e.displayText());
  } catch (const std::exception& e) {
    return notify::sdk::Status::Error(std::string("not a JSON message object: ") + e.what());
  }
}

}  // namespace

notify::sdk::StatusOr<std::string> ReadFileLimited(const std::string& path, std::size_t limit) {
  return ReadRegularFile(path, limit);
}

notify::sdk::StatusOr<std::uint64_t> CheckAttachmentFile(const std::string& path) {
  return CheckPath(path, kMaxAttachmentBytes);
}

notify::sdk::StatusOr<notify::Attachment> AttachmentFromFile(const std::string& path) {
  auto bytes = ReadRegularFile(path, kMaxAttachmentBytes);
  if (!bytes.ok()) return bytes.status();
  std::string name = std::filesystem::path(path).filename().string();
  return notify::Attachment{name, GuessContentType(name), std::move(bytes).value()};
}

notify::sdk::StatusOr<notify::Message> LoadAttachments(const PendingMessage& pending) {
  notify::Message m = pending.message;
  std::uint64_t total = 0;
  for (const std::string& path : pending.attachment_files) {
    auto attachment = AttachmentFromFile(path);
    if (!attachment.ok()) return attachment.status();
    total += attachment.value().bytes.size();
    if (total > kMaxAttachmentBytes) {
      return notify::sdk::Status::Error("the attachments grew to more than " +
                                        Megabytes(kMaxAttachmentBytes) +
                                        " since they were checked");
    }
    m.attachments.push_back(std::move(attachment).value());
  }
  return m;
}

std::vector<std::string> SplitAddresses(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

notify::sdk::StatusOr<std::vector<PendingMessage>> ReadBatchFile(const std::string& path) {
  auto text = ReadFileLimited(path, kMaxBatchFileBytes);
  if (!text.ok()) return text.status();
  return ParseBatchText(text.value(), path);
}

notify::sdk::StatusOr<std::vector<PendingMessage>> ParseBatchText(const std::string& text,
                                                                  const std::string& source) {
  std::string file_name = std::filesystem::path(source).filename().string();
  std::vector<PendingMessage> messages;
  std::map<std::string, int> line_of_id;  // results are matched to messages by id
  std::string errors;
  auto error = [&](int number, const std::string& what) {
    errors += "\n  line " + std::to_string(number) + ": " + ForTerminal(what);
  };
  // A byte order mark, as some editors write, is not part of the first line.
  // Lines are cut from the text in place (a copy of a 256 MB file into a
  // stream was a tenth of a 10,000-line batch's parsing).
  std::size_t at = text.rfind(kByteOrderMark, 0) == 0 ? 3 : 0;
  messages.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::string line;
  for (int number = 1; at < text.size(); ++number) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    line.assign(text, at, end - at);
    at = end + 1;
    if (Trim(line).empty()) continue;
    if (line.size() > kMaxLineBytes) {
      error(number, "longer than " + std::to_string(kMaxLineBytes) + " bytes");
      continue;
    }
    auto message = ParseLine(line, file_name + ":" + std::to_string(number));
    if (!message.ok()) {
      error(number, message.status().message());
      continue;
    }
    auto [seen, first] = line_of_id.emplace(message.value().message.id, number);
    if (!first) {
      error(number, "id \"" + message.value().message.id + "\" is already used on line " +
                        std::to_string(seen->second));
      continue;
    }
    messages.push_back(std::move(message).value());
  }
  if (!errors.empty()) {
    return notify::sdk::Status::Error(
        ForTerminal(source) + " has malformed lines; nothing was sent:" + errors,
        "Fix those lines and send the file again.");
  }
  return messages;
}

}  // namespace notify_host
