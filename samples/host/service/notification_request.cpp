#include "service/notification_request.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <set>
#include <sstream>

#include "ruleset_store.hpp"
#include "service/api_response.hpp"

namespace notify_host {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw ApiError{422, "invalid_field", field + ": " + what};
}

std::string Join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string String(const Var& v, const std::string& field) {
  if (!v.isString()) Invalid(field, "must be a string");
  return v.extract<std::string>();
}

std::vector<std::string> Addresses(const Object& o, const std::string& key,
                                   const std::string& prefix) {
  std::vector<std::string> out;
  if (!o.has(key)) return out;
  Var v = o.get(key);
  std::string field = Join(prefix, key);
  if (v.type() != typeid(Array::Ptr)) Invalid(field, "must be an array of e-mail addresses");
  auto list = v.extract<Array::Ptr>();
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string element = field + "[" + std::to_string(i) + "]";
    std::string address = String(list->get(i), element);
    if (address.empty()) Invalid(element, "must not be empty");
    out.push_back(std::move(address));
  }
  return out;
}

std::string DecodeBase64(const std::string& text, const std::string& field) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::string out;
  try {
    std::ostringstream bytes;
    bytes << decoder.rdbuf();
    out = bytes.str();
  } catch (const Poco::Exception&) {
    Invalid(field, "is not base64");
  }
  if (!text.empty() && out.empty()) Invalid(field, "is not base64");
  return out;
}

notify::Attachment ParseAttachment(const Var& v, const std::string& field) {
  if (v.type() != typeid(Object::Ptr))
    Invalid(field, "must be an object {name, content_type, content_base64}");
  auto o = v.extract<Object::Ptr>();
  for (const auto& [key, value] : *o) {
    if (key != "name" && key != "content_type" && key != "content_base64")
      Invalid(field + "." + key, "is not a known key (name, content_type, content_base64)");
  }
  notify::Attachment a;
  if (!o->has("name")) Invalid(field + ".name", "is required");
  a.name = String(o->get("name"), field + ".name");
  a.content_type = o->has("content_type") ? String(o->get("content_type"), field + ".content_type")
                                          : "application/octet-stream";
  if (!o->has("content_base64")) Invalid(field + ".content_base64", "is required");
  a.bytes = DecodeBase64(String(o->get("content_base64"), field + ".content_base64"),
                         field + ".content_base64");
  return a;
}

NotificationRequest ParseOne(const Var& v, const std::string& prefix) {
  if (v.type() != typeid(Object::Ptr))
    Invalid(prefix.empty() ? "body" : prefix, "must be a notification object");
  auto o = v.extract<Object::Ptr>();
  static const std::set<std::string> kKeys = {"ruleset", "to",   "cc",   "bcc",
                                              "subject", "body", "html", "attachments"};
  for (const auto& [key, value] : *o) {
    if (!kKeys.count(key))
      Invalid(Join(prefix, key),
              "is not a known key (ruleset, to, cc, bcc, subject, body, html, attachments)");
  }
  NotificationRequest n;
  if (!o->has("ruleset")) Invalid(Join(prefix, "ruleset"), "is required");
  n.ruleset = String(o->get("ruleset"), Join(prefix, "ruleset"));
  if (!IsRulesetName(n.ruleset)) Invalid(Join(prefix, "ruleset"), kRulesetNameRule);
  n.message.to = Addresses(*o, "to", prefix);
  n.message.cc = Addresses(*o, "cc", prefix);
  n.message.bcc = Addresses(*o, "bcc", prefix);
  if (n.message.to.empty() && n.message.cc.empty() && n.message.bcc.empty())
    Invalid(Join(prefix, "to"), "give at least one to, cc or bcc address");
  if (!o->has("subject")) Invalid(Join(prefix, "subject"), "is required");
  n.message.subject = String(o->get("subject"), Join(prefix, "subject"));
  if (o->has("body")) n.message.text_body = String(o->get("body"), Join(prefix, "body"));
  if (o->has("html")) n.message.html_body = String(o->get("html"), Join(prefix, "html"));
  if (o->has("attachments")) {
    std::string field = Join(prefix, "attachments");
    Var list = o->get("attachments");
    if (list.type() != typeid(Array::Ptr)) Invalid(field, "must be an array of objects");
    auto array = list.extract<Array::Ptr>();
    for (std::size_t i = 0; i < array->size(); ++i)
      n.message.attachments.push_back(
          ParseAttachment(array->get(i), field + "[" + std::to_string(i) + "]"));
  }
  return n;
}

}  // namespace

ParsedNotifications ParseNotifications(const std::string& body) {
  Var root;
  try {
    Poco::JSON::Parser parser;
    root = parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw ApiError{400, "malformed_json", "the body is not JSON: " + e.message()};
  }
  ParsedNotifications parsed;
  if (root.type() == typeid(Array::Ptr)) {
    parsed.was_array = true;
    auto array = root.extract<Array::Ptr>();
    if (array->size() == 0) Invalid("body", "the array holds no notification");
    if (array->size() > kMaxNotificationsPerRequest)
      Invalid("body", "at most " + std::to_string(kMaxNotificationsPerRequest) +
                          " notifications per request; split the array");
    for (std::size_t i = 0; i < array->size(); ++i)
      parsed.items.push_back(ParseOne(array->get(i), "[" + std::to_string(i) + "]"));
  } else {
    parsed.items.push_back(ParseOne(root, ""));
  }
  return parsed;
}

}  // namespace notify_host
