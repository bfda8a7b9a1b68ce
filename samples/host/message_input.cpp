#include "message_input.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "terminal_text.hpp"

namespace notify_host {
namespace {

constexpr std::size_t kMaxAttachmentBytes = 35 * 1024 * 1024;  // Exchange's default message size
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
notify::sdk::StatusOr<notify::Message> ParseLine(const std::string& line,
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
    notify::Message m;
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
      for (std::size_t i = 0; i < list->size(); ++i) {
        auto attachment = AttachmentFromFile(list->getElement<std::string>(i));
        if (!attachment.ok()) return attachment.status();
        m.attachments.push_back(std::move(attachment).value());
      }
    }
    return m;
  } catch (const Poco::Exception& e) {
    return notify::sdk::Status::Error("not a JSON message object: " + e.displayText());
  } catch (const std::exception& e) {
    return notify::sdk::Status::Error(std::string("not a JSON message object: ") + e.what());
  }
}

}  // namespace

notify::sdk::StatusOr<std::string> ReadFileLimited(const std::string& path, std::size_t limit) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return notify::sdk::Status::Error("cannot read " + path + ": " + ec.message());
  if (size > limit) {
    return notify::sdk::Status::Error(path + " is " + std::to_string(size) + " bytes, more than " +
                                      std::to_string(limit));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return notify::sdk::Status::Error("cannot read " + path);
  return text.str();
}

notify::sdk::StatusOr<notify::Attachment> AttachmentFromFile(const std::string& path) {
  auto bytes = ReadFileLimited(path, kMaxAttachmentBytes);
  if (!bytes.ok()) return bytes.status();
  std::string name = std::filesystem::path(path).filename().string();
  return notify::Attachment{name, GuessContentType(name), std::move(bytes).value()};
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

notify::sdk::StatusOr<std::vector<notify::Message>> ReadBatchFile(const std::string& path) {
  auto text = ReadFileLimited(path, kMaxBatchFileBytes);
  if (!text.ok()) return text.status();
  return ParseBatchText(text.value(), path);
}

notify::sdk::StatusOr<std::vector<notify::Message>> ParseBatchText(const std::string& text,
                                                                   const std::string& source) {
  std::string file_name = std::filesystem::path(source).filename().string();
  std::vector<notify::Message> messages;
  std::map<std::string, int> line_of_id;  // results are matched to messages by id
  std::string errors;
  auto error = [&](int number, const std::string& what) {
    errors += "\n  line " + std::to_string(number) + ": " + ForTerminal(what);
  };
  // A byte order mark, as some editors write, is not part of the first line.
  std::istringstream in(text.rfind(kByteOrderMark, 0) == 0 ? text.substr(3) : text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
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
    auto [seen, first] = line_of_id.emplace(message.value().id, number);
    if (!first) {
      error(number, "id \"" + message.value().id + "\" is already used on line " +
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
