#include "service/message_json.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace notify_host {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr List(const std::vector<std::string>& items) {
  Array::Ptr a = new Array;
  for (const auto& i : items) a->add(i);
  return a;
}

std::vector<std::string> Strings(const Object& o, const std::string& key) {
  std::vector<std::string> out;
  if (!o.has(key)) return out;
  auto a = o.getArray(key);
  for (std::size_t i = 0; a && i < a->size(); ++i) out.push_back(a->getElement<std::string>(i));
  return out;
}

}  // namespace

std::string MessageToJson(const notify::Message& m) {
  Object o;
  o.set("to", List(m.to));
  o.set("cc", List(m.cc));
  o.set("bcc", List(m.bcc));
  o.set("subject", m.subject);
  o.set("body", m.text_body);
  if (!m.html_body.empty()) o.set("html", m.html_body);
  Array::Ptr attachments = new Array;
  for (const auto& a : m.attachments) {
    std::ostringstream b64;
    Poco::Base64Encoder encoder(b64);
    encoder.rdbuf()->setLineLength(0);
    encoder << a.bytes;
    encoder.close();
    Object::Ptr x = new Object;
    x->set("name", a.name);
    x->set("content_type", a.content_type);
    x->set("content_base64", b64.str());
    attachments->add(x);
  }
  o.set("attachments", attachments);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

notify::Message MessageFromJson(const std::string& json, const std::string& id) {
  auto o = Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
  notify::Message m;
  m.id = id;
  m.to = Strings(*o, "to");
  m.cc = Strings(*o, "cc");
  m.bcc = Strings(*o, "bcc");
  m.subject = o->optValue<std::string>("subject", "");
  m.text_body = o->optValue<std::string>("body", "");
  m.html_body = o->optValue<std::string>("html", "");
  auto attachments = o->getArray("attachments");
  for (std::size_t i = 0; attachments && i < attachments->size(); ++i) {
    auto x = attachments->getObject(static_cast<unsigned>(i));
    notify::Attachment a;
    a.name = x->getValue<std::string>("name");
    a.content_type = x->getValue<std::string>("content_type");
    std::istringstream in(x->getValue<std::string>("content_base64"));
    Poco::Base64Decoder decoder(in);
    std::ostringstream bytes;
    bytes << decoder.rdbuf();
    a.bytes = bytes.str();
    m.attachments.push_back(std::move(a));
  }
  return m;
}

}  // namespace notify_host
