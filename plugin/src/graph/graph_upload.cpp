// Draft + attachments + send, for messages over one request's 4 MB.
#include "graph/graph_upload.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>

#include <algorithm>
#include <sstream>

#include "graph/graph_request.hpp"

namespace m365 {
namespace {

std::string ContentTypeOf(const notify::Attachment& a) {
  return a.content_type.empty() ? "application/octet-stream" : a.content_type;
}

std::string Base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string Stringify(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

// The string member `name` of the JSON object in `body`; "" when absent.
std::string JsonString(const std::string& body, const std::string& name) {
  try {
    Poco::JSON::Parser parser;
    auto parsed = parser.parse(body);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) return "";
    auto v = parsed.extract<Poco::JSON::Object::Ptr>()->get(name);
    return v.isString() ? v.convert<std::string>() : "";
  } catch (const Poco::Exception&) {
    return "";
  } catch (const std::exception&) {
    return "";
  }
}

// An answer that reads as "this step failed", for a success without what
// the next step needs.
HttpsAnswer Malformed(const HttpsAnswer& answer, const std::string& what) {
  HttpsAnswer r = answer;
  r.http_status = 502;
  r.body = R"({"error":{"code":"MalformedAnswer","message":"the answer to )" + what +
           R"( had no usable content"}})";
  return r;
}

}  // namespace

std::string FileAttachmentJson(const notify::Attachment& a) {
  Poco::JSON::Object o;
  o.set("@odata.type", std::string("#microsoft.graph.fileAttachment"));
  o.set("name", a.name);
  o.set("contentType", ContentTypeOf(a));
  o.set("contentBytes", Base64(a.bytes));
  return Stringify(o);
}

std::string UploadSessionJson(const notify::Attachment& a) {
  Poco::JSON::Object item;
  item.set("attachmentType", std::string("file"));
  item.set("name", a.name);
  item.set("size", static_cast<Poco::UInt64>(a.bytes.size()));
  item.set("contentType", ContentTypeOf(a));
  Poco::JSON::Object o;
  o.set("AttachmentItem", item);
  return Stringify(o);
}

std::string ContentRange(std::size_t first, std::size_t length, std::size_t total) {
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
         std::to_string(total);
}

HttpsAnswer SendLargeMessage(GraphClient& client, const std::string& token,
                             const std::string& draft_mime,
                             const std::vector<notify::Attachment>& attachments) {
  // 1. The draft, from the MIME (the same headers and body the SMTP route sends).
  Poco::Net::HTTPRequest create(Poco::Net::HTTPRequest::HTTP_POST, client.UserPath("messages"),
                                Poco::Net::HTTPMessage::HTTP_1_1);
  HttpsAnswer draft = client.Raw(create, token, "text/plain", SendMailBody(draft_mime));
  if (draft.http_status != 201) return draft;
  const std::string id = JsonString(draft.body, "id");
  if (id.empty() || id.find_first_of("/?#") != std::string::npos) {
    return Malformed(draft, "the draft's creation");
  }
  const std::string message_path = client.UserPath("messages/" + id);

  // 2. Each attachment: whole when small, else an upload session.
  for (const auto& a : attachments) {
    if (a.bytes.size() < kMinUploadSessionBytes) {
      HttpsAnswer added =
          client.Json("POST", message_path + "/attachments", token, FileAttachmentJson(a));
      if (added.http_status != 201) return added;
      continue;
    }
    HttpsAnswer session = client.Json("POST", message_path + "/attachments/createUploadSession",
                                      token, UploadSessionJson(a));
    if (session.http_status != 201 && session.http_status != 200) return session;
    const std::string url = JsonString(session.body, "uploadUrl");
    if (url.empty()) return Malformed(session, "createUploadSession");
    for (std::size_t first = 0; first < a.bytes.size(); first += kUploadChunkBytes) {
      const std::size_t length = std::min(kUploadChunkBytes, a.bytes.size() - first);
      HttpsAnswer put = client.PutBytes(url, a.bytes.substr(first, length),
                                        ContentRange(first, length, a.bytes.size()));
      const bool last = first + length >= a.bytes.size();
      if (put.http_status != (last ? 201 : 200) && !(last && put.http_status == 200)) return put;
    }
  }

  // 3. Send the draft: 202 as sendMail.
  return client.Json("POST", message_path + "/send", token, "");
}

}  // namespace m365
