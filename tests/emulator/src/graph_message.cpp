#include "graph_message.hpp"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cctype>

#include "util.hpp"

namespace m365emu::detail {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string ToCrlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool OptString(const Object::Ptr& o, const char* key, std::string* out, std::string* error) {
  if (!o->has(key) || o->isNull(key)) return true;
  auto v = o->get(key);
  if (!v.isString()) {
    *error = std::string("the property '") + key + "' must be a string";
    return false;
  }
  *out = v.extract<std::string>();
  return true;
}

Object::Ptr OptObject(const Object::Ptr& o, const char* key, std::string* error) {
  if (!o->has(key) || o->isNull(key)) return nullptr;
  Object::Ptr child = o->getObject(key);
  if (!child) *error = std::string("the property '") + key + "' must be an object";
  return child;
}

// {"emailAddress":{"address":...,"name":...}} -> address.
bool Recipient(const Poco::Dynamic::Var& v, const std::string& what, std::string* address,
               std::string* error) {
  if (v.type() != typeid(Object::Ptr)) {
    *error = "each entry of '" + what + "' must be a recipient object";
    return false;
  }
  Object::Ptr r = v.extract<Object::Ptr>();
  Object::Ptr e = OptObject(r, "emailAddress", error);
  if (!error->empty()) return false;
  if (!e) {
    *error = "a recipient of '" + what + "' has no emailAddress";
    return false;
  }
  return OptString(e, "address", address, error);
}

bool RecipientList(const Object::Ptr& o, const char* key, std::vector<std::string>* out,
                   std::string* error) {
  if (!o->has(key) || o->isNull(key)) return true;
  Array::Ptr a = o->getArray(key);
  if (!a) {
    *error = std::string("the property '") + key + "' must be an array";
    return false;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string address;
    if (!Recipient(a->get(static_cast<unsigned>(i)), key, &address, error)) return false;
    out->push_back(address);
  }
  return true;
}

std::string EncodeWordIfNeeded(const std::string& text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return c >= 0x20 && c < 0x7f;
  });
  if (ascii) return text;
  return "=?utf-8?B?" + Base64Encode(text) + "?=";
}

std::string QuoteParameter(const std::string& value) {
  std::string v;
  for (char c : value) {
    if (c == '"' || c == '\\' || c == '\r' || c == '\n') continue;
    v.push_back(c);
  }
  return "\"" + EncodeWordIfNeeded(v) + "\"";
}

std::string Base64Lines(const std::string& bytes) {
  const std::string b64 = Base64Encode(bytes);
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string AttachmentPart(const FileAttachment& a) {
  const std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
  return "Content-Type: " + type + "; name=" + QuoteParameter(a.name) +
         "\r\nContent-Disposition: attachment; filename=" + QuoteParameter(a.name) +
         "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(a.bytes);
}

std::string Boundary() { return "_emu_" + NewGuid() + "_"; }

// Splits MIME into its header block (with the final CRLF of the last header)
// and its body.
void SplitMime(const std::string& mime, std::string* headers, std::string* body) {
  std::size_t end = mime.find("\r\n\r\n");
  if (mime.rfind("\r\n", 0) == 0) {
    headers->clear();
    *body = mime.substr(2);
  } else if (end == std::string::npos) {
    *headers = mime;
    if (!headers->empty() && headers->substr(headers->size() - 2) != "\r\n") *headers += "\r\n";
    body->clear();
  } else {
    *headers = mime.substr(0, end + 2);
    *body = mime.substr(end + 4);
  }
}

// Header lines of a header block, each with its continuation lines.
std::vector<std::string> HeaderFields(const std::string& headers) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (pos < headers.size()) {
    std::size_t nl = headers.find("\r\n", pos);
    if (nl == std::string::npos) nl = headers.size();
    std::string line = headers.substr(pos, nl - pos);
    pos = nl + 2;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back() += "\r\n" + line;
    } else if (!line.empty()) {
      fields.push_back(line);
    }
  }
  return fields;
}

std::string FieldName(const std::string& field) {
  return ToLower(Trim(field.substr(0, field.find(':'))));
}

// A MIME message with attachments added after it was created: the original
// content becomes the first part of a multipart/mixed.
std::string WrapWithAttachments(const std::string& mime,
                                const std::vector<FileAttachment>& attachments) {
  std::string headers, body;
  SplitMime(mime, &headers, &body);
  std::string outer, inner;
  for (const auto& field : HeaderFields(headers)) {
    const std::string name = FieldName(field);
    if (name.rfind("content-", 0) == 0) {
      inner += field + "\r\n";
    } else if (name != "mime-version") {
      outer += field + "\r\n";
    }
  }
  if (inner.empty()) inner = "Content-Type: text/plain; charset=us-ascii\r\n";
  const std::string b = Boundary();
  std::string out = outer + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + b +
                    "\"\r\n\r\n--" + b + "\r\n" + inner + "\r\n" + body;
  if (out.size() < 2 || out.substr(out.size() - 2) != "\r\n") out += "\r\n";
  for (const auto& a : attachments) out += "--" + b + "\r\n" + AttachmentPart(a);
  return out + "--" + b + "--\r\n";
}

std::string AddressHeader(const char* name, const std::vector<std::string>& addresses) {
  if (addresses.empty()) return "";
  std::string v;
  for (const auto& a : addresses) v += (v.empty() ? "" : ", ") + std::string("<") + a + ">";
  return std::string(name) + ": " + v + "\r\n";
}

}  // namespace

bool MessageFromJson(const Object::Ptr& json, GraphMessage* m, std::string* error) {
  error->clear();
  if (!OptString(json, "subject", &m->subject, error)) return false;
  if (Object::Ptr body = OptObject(json, "body", error)) {
    std::string type = "text";
    if (!OptString(body, "contentType", &type, error)) return false;
    type = ToLower(type);
    if (type != "text" && type != "html") {
      *error = "body.contentType must be Text or HTML";
      return false;
    }
    m->html = type == "html";
    if (!OptString(body, "content", &m->body, error)) return false;
  } else if (!error->empty()) {
    return false;
  }
  if (Object::Ptr from = OptObject(json, "from", error)) {
    if (!Recipient(from, "from", &m->from, error)) return false;
  } else if (!error->empty()) {
    return false;
  }
  if (!RecipientList(json, "toRecipients", &m->to, error) ||
      !RecipientList(json, "ccRecipients", &m->cc, error) ||
      !RecipientList(json, "bccRecipients", &m->bcc, error)) {
    return false;
  }
  if (json->has("internetMessageHeaders") && !json->isNull("internetMessageHeaders")) {
    Array::Ptr headers = json->getArray("internetMessageHeaders");
    if (!headers) {
      *error = "internetMessageHeaders must be an array";
      return false;
    }
    for (std::size_t i = 0; i < headers->size(); ++i) {
      Object::Ptr h = headers->getObject(static_cast<unsigned>(i));
      std::string name, value;
      if (!h || !OptString(h, "name", &name, error) || !OptString(h, "value", &value, error)) {
        if (error->empty()) *error = "each internetMessageHeaders entry must be an object";
        return false;
      }
      m->extra_headers.emplace_back(name, value);
    }
  }
  if (json->has("attachments") && !json->isNull("attachments")) {
    Array::Ptr list = json->getArray("attachments");
    if (!list) {
      *error = "attachments must be an array";
      return false;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      Object::Ptr a = list->getObject(static_cast<unsigned>(i));
      if (!a) {
        *error = "each attachment must be an object";
        return false;
      }
      FileAttachment f;
      std::string type, bytes;
      if (!OptString(a, "@odata.type", &type, error) || !OptString(a, "name", &f.name, error) ||
          !OptString(a, "contentType", &f.content_type, error) ||
          !OptString(a, "contentBytes", &bytes, error)) {
        return false;
      }
      if (type != "#microsoft.graph.fileAttachment") {
        *error = "only #microsoft.graph.fileAttachment attachments are emulated";
        return false;
      }
      if (!Base64Decode(bytes, &f.bytes)) {
        *error = "contentBytes of attachment '" + f.name + "' is not base64 (Edm.Binary)";
        return false;
      }
      f.id = NewGuid();
      m->attachments.push_back(std::move(f));
    }
  }
  return true;
}

std::string HeaderValue(const std::string& mime, const std::string& name) {
  std::string headers, body;
  SplitMime(mime, &headers, &body);
  const std::string wanted = ToLower(name);
  for (const auto& field : HeaderFields(headers)) {
    if (FieldName(field) != wanted) continue;
    std::string value = field.substr(field.find(':') + 1);
    std::string unfolded;
    for (char c : value)
      if (c != '\r' && c != '\n') unfolded.push_back(c);
    return Trim(unfolded);
  }
  return "";
}

bool MessageFromMime(const std::string& text, GraphMessage* m) {
  m->mime = ToCrlf(text);
  if (m->mime.find(':') == std::string::npos) return false;
  std::string headers, body;
  SplitMime(m->mime, &headers, &body);
  for (const auto& field : HeaderFields(headers)) {
    const std::string name = FieldName(field);
    std::string value = field.substr(field.find(':') + 1);
    auto add = [&](std::vector<std::string>* list) {
      for (auto& a : ParseAddressList(value)) list->push_back(a);
    };
    if (name == "to") add(&m->to);
    if (name == "cc") add(&m->cc);
    if (name == "bcc") add(&m->bcc);
    if (name == "from" && m->from.empty()) {
      auto list = ParseAddressList(value);
      if (!list.empty()) m->from = list.front();
    }
  }
  m->subject = HeaderValue(m->mime, "Subject");
  return true;
}

std::vector<std::string> AllRecipients(const GraphMessage& m) {
  std::vector<std::string> all = m.to;
  all.insert(all.end(), m.cc.begin(), m.cc.end());
  all.insert(all.end(), m.bcc.begin(), m.bcc.end());
  return all;
}

bool ValidAddress(const std::string& a) {
  const std::size_t at = a.find('@');
  if (at == std::string::npos || at == 0 || a.find('@', at + 1) != std::string::npos) return false;
  const std::string domain = a.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
      domain.back() == '.') {
    return false;
  }
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return c <= 0x20 || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' ||
           c == '"' || c == 0x7f;
  });
}

std::vector<std::string> ParseAddressList(const std::string& value) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  int angle = 0, paren = 0;
  auto flush = [&] {
    std::string item = Trim(current);
    current.clear();
    if (item.empty()) return;
    std::size_t lt = item.rfind('<');
    std::size_t gt = lt == std::string::npos ? std::string::npos : item.find('>', lt);
    if (lt != std::string::npos && gt != std::string::npos) {
      out.push_back(Trim(item.substr(lt + 1, gt - lt - 1)));
    } else {
      out.push_back(item);
    }
  };
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;
    if (quoted) {
      if (c == '"') quoted = false;
      if (angle > 0) current.push_back(c);
      continue;
    }
    if (paren > 0) {
      if (c == '(') ++paren;
      if (c == ')') --paren;
      continue;
    }
    if (c == '"') {
      quoted = true;
      if (angle > 0) current.push_back(c);
      continue;
    }
    if (c == '(') {
      ++paren;
      continue;
    }
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if ((c == ',' || c == ';') && angle == 0) {
      flush();
      continue;
    }
    current.push_back(c);
  }
  flush();
  return out;
}

std::string RenderMime(const GraphMessage& m, const std::string& mailbox,
                       const std::string& message_id) {
  if (!m.mime.empty()) {
    std::string mime = m.mime;
    // Exchange sets From to the mailbox when the MIME has none.
    if (HeaderValue(mime, "From").empty()) mime = "From: <" + mailbox + ">\r\n" + mime;
    if (HeaderValue(mime, "Message-ID").empty()) mime = "Message-ID: " + message_id + "\r\n" + mime;
    if (m.attachments.empty()) return mime;
    return WrapWithAttachments(mime, m.attachments);
  }
  std::string head = "From: <" + (m.from.empty() ? mailbox : ToLower(m.from)) + ">\r\n" +
                     AddressHeader("To", m.to) + AddressHeader("Cc", m.cc) +
                     "Subject: " + EncodeWordIfNeeded(m.subject) + "\r\n" +
                     "Date: " + Rfc2822Date(NowUnix()) + "\r\n" + "Message-ID: " + message_id +
                     "\r\n";
  for (const auto& [name, value] : m.extra_headers) head += name + ": " + value + "\r\n";
  head += "MIME-Version: 1.0\r\n";
  std::string body_part = std::string("Content-Type: ") + (m.html ? "text/html" : "text/plain") +
                          "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          Base64Lines(m.body);
  if (m.attachments.empty()) return head + body_part;
  const std::string b = Boundary();
  std::string out =
      head + "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\n" +
      body_part;
  for (const auto& a : m.attachments) out += "--" + b + "\r\n" + AttachmentPart(a);
  return out + "--" + b + "--\r\n";
}

}  // namespace m365emu::detail
