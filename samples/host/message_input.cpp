#include "message_input.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace notify_host {
namespace {

constexpr std::size_t kMaxAttachmentBytes = 35 * 1024 * 1024;  // Exchange's default message size
constexpr std::size_t kMaxBatchFileBytes = 256 * 1024 * 1024;
constexpr std::size_t kMaxLineBytes = 64 * 1024 * 1024;

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

// One message from one line, or an error text for that line.
notify::sdk::StatusOr<notify::Message> ParseLine(const std::string& line,
                                                 const std::string& default_id) {
  static const char* kKnown[] = {"id", "to", "cc", "bcc", "subject", "body", "html", "attachments"};
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(line);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
      return notify::sdk::Status::Error("not a JSON message object (a {...} on one line)");
    auto o = parsed.extract<Poco::JSON::Object::Ptr>();
    for (const auto& key : o->getNames()) {
      if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
        return notify::sdk::Status::Error("unknown key \"" + key + "\"");
    }
    notify::Message m;
    m.id = o->has("id") ? o->getValue<std::string>("id") : default_id;
    for (auto [key, list] : {std::pair{"to", &m.to}, {"cc", &m.cc}, {"bcc", &m.bcc}}) {
      auto addresses = Addresses(o, key);
      if (!addresses.ok()) return addresses.status();
      *list = std::move(addresses).value();
    }
    if (m.to.empty() && m.cc.empty() && m.bcc.empty())
      return notify::sdk::Status::Error("no recipient (\"to\", \"cc\" or \"bcc\")");
    m.subject = o->optValue<std::string>("subject", "");
    m.text_body = o->optValue<std::string>("body", "");
    m.html_body = o->optValue<std::string>("html", "");
    if (o->has("attachments")) {
      auto list = o->getArray("attachments");
      if (!list) return notify::sdk::Status::Error("\"attachments\" must be a list of file paths");
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
  std::string errors;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (Trim(line).empty()) continue;
    if (line.size() > kMaxLineBytes) {
      errors += "\n  line " + std::to_string(number) + ": longer than " +
                std::to_string(kMaxLineBytes) + " bytes";
      continue;
    }
    auto message = ParseLine(line, file_name + ":" + std::to_string(number));
    if (message.ok()) {
      messages.push_back(std::move(message).value());
    } else {
      errors += "\n  line " + std::to_string(number) + ": " + message.status().message();
    }
  }
  if (!errors.empty()) {
    return notify::sdk::Status::Error(source + " has malformed lines; nothing was sent:" + errors,
                                      "Fix those lines and send the file again.");
  }
  return messages;
}

}  // namespace notify_host
