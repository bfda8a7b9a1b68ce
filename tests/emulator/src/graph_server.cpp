// Answers as docs/microsoft-365.md, Microsoft Graph sendMail: 202 with an
// empty body, the {"error":{"code","message","innerError"}} shape, the codes
// and statuses listed there. The order of checks is not documented by
// Microsoft [unconfirmed]: request size, token, permission, mailbox, access
// policy, concurrency, faults, then the message itself.
#include "graph_server.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Timestamp.h>

#include <sstream>

#include "graph_auth.hpp"
#include "graph_message.hpp"
#include "smtp_auth.hpp"
#include "util.hpp"

namespace m365emu::detail {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// A request bigger than the limit is read to the end (so the client sees
// the 413) but never further than this.
constexpr std::size_t kDrainCap = 256u * 1024u * 1024u;
constexpr std::int64_t kUploadSessionSeconds = 6 * 3600;  // [unconfirmed]

std::string IsoTime(std::int64_t unix_seconds, bool fraction) {
  return Poco::DateTimeFormatter::format(
      Poco::Timestamp::fromEpochTime(unix_seconds),
      fraction ? "%Y-%m-%dT%H:%M:%S.0000000Z" : "%Y-%m-%dT%H:%M:%S");
}

std::string Stringify(const Object::Ptr& o) {
  std::ostringstream out;
  o->stringify(out);
  return out.str();
}

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string PercentDecode(const std::string& s) {
  std::map<std::string, std::string> fields;
  // ParseForm decodes %XX; '+' stays literal in a path, so protect it.
  std::string protected_plus;
  for (char c : s) protected_plus += c == '+' ? std::string("%2B") : std::string(1, c);
  if (!ParseForm("v=" + protected_plus, &fields)) return s;
  return fields["v"];
}

std::vector<std::string> PathSegments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(PercentDecode(path.substr(pos, slash - pos)));
    pos = slash + 1;
  }
  return out;
}

// Strict RFC 4648 base64 (line breaks allowed): what Exchange accepts as MIME.
bool DecodeStrictBase64(const std::string& text, std::string* out) {
  std::string clean;
  for (char c : text)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') clean.push_back(c);
  if (clean.empty() || clean.size() % 4 != 0) return false;
  std::size_t pad = clean.find('=');
  if (pad != std::string::npos &&
      (pad < clean.size() - 2 || clean.find_first_not_of('=', pad) != std::string::npos)) {
    return false;
  }
  return Base64Decode(clean, out);
}

bool ParseContentRange(const std::string& v, std::size_t* start, std::size_t* end,
                       std::size_t* total) {
  unsigned long long s = 0, e = 0, t = 0;
  char tail = 0;
  if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu%c", &s, &e, &t, &tail) != 3) return false;
  *start = s;
  *end = e;
  *total = t;
  return true;
}

enum class Operation { kSendMail, kCreateDraft, kAddAttachment, kCreateUploadSession, kSendDraft };

class SlotGuard {
 public:
  SlotGuard(State& state, std::string key) : state_(state), key_(std::move(key)) {}
  ~SlotGuard() { state_.ReleaseGraphSlot(key_); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  State& state_;
  std::string key_;
};

class GraphHandler : public Poco::Net::HTTPRequestHandler {
 public:
  GraphHandler(State& state, GraphStore& store, int port)
      : state_(state), store_(store), base_url_("https://localhost:" + std::to_string(port)) {}

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    request_id_ = NewGuid();
    client_request_id_ = req.get("client-request-id", "");
    if (!LooksLikeGuid(client_request_id_)) client_request_id_ = request_id_;
    state_.UpdateStats([](Stats& s) { ++s.graph_requests; });
    try {
      Route(req, resp);
    } catch (const std::exception&) {
      // A bug or a broken connection: answer if the response has not started.
      if (!resp.sent()) Error(resp, 500, "generalException", "An internal error occurred.");
    }
  }

 private:
  // ---- responses ----
  void Send(HTTPServerResponse& resp, int status, const std::string& type,
            const std::string& body) {
    resp.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
    resp.set("request-id", request_id_);
    resp.set("client-request-id", client_request_id_);
    if (!type.empty()) resp.setContentType(type);
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.send() << body;
  }

  void Error(HTTPServerResponse& resp, int status, const std::string& code,
             const std::string& message, int retry_after = -1) {
    Object::Ptr inner = NewObject();
    inner->set("date", IsoTime(NowUnix(), false));
    inner->set("request-id", request_id_);
    inner->set("client-request-id", client_request_id_);
    Object::Ptr error = NewObject();
    error->set("code", code);
    error->set("message", message);
    error->set("innerError", inner);
    Object::Ptr root = NewObject();
    root->set("error", error);
    if (retry_after >= 0) resp.set("Retry-After", std::to_string(retry_after));
    if (status == 401) {
      resp.set("WWW-Authenticate",
               "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/"
               "oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"");
    }
    state_.RecordGraphResult(status, code);
    Send(resp, status, "application/json", Stringify(root));
  }

  void Error(HTTPServerResponse& resp, const GraphFailure& f) {
    Error(resp, f.status, f.code, f.message);
  }

  void Success(HTTPServerResponse& resp, int status, const std::string& json = "") {
    state_.RecordGraphResult(status, "");
    Send(resp, status, json.empty() ? "" : "application/json", json);
  }

  // Closes the connection without any reply (the "drop" fault).
  void Drop(HTTPServerRequest& req, HTTPServerResponse& resp) {
    state_.RecordGraphResult(0, "connection dropped");
    resp.setKeepAlive(false);
    try {
      static_cast<Poco::Net::HTTPServerRequestImpl&>(req).socket().shutdown();
    } catch (...) {
    }
  }

  // Applies the Graph faults; true when the request may go on.
  bool ApplyFaults(HTTPServerRequest& req, HTTPServerResponse& resp) {
    Faults f = state_.TakeGraphFaults();
    if (f.graph_delay_ms > 0 && !state_.HoldGraphRequest(f.graph_delay_ms)) {
      Drop(req, resp);
      return false;
    }
    if (f.graph_drop) {
      Drop(req, resp);
      return false;
    }
    if (f.graph_http_500) {
      Error(resp, 500, "generalException", "An internal error occurred. Please retry.");
      return false;
    }
    if (f.graph_http_503_retry_after >= 0) {
      Error(resp, 503, "serviceNotAvailable",
            "The service is temporarily unavailable. Retry after the time in Retry-After.",
            f.graph_http_503_retry_after);
      return false;
    }
    if (f.graph_http_429_retry_after >= 0) {
      Error(resp, 429, "TooManyRequests", "Too many requests. Retry after the time in Retry-After.",
            f.graph_http_429_retry_after);
      return false;
    }
    return true;
  }

  // Reads the whole body; false (body empty) when it exceeds `limit`.
  static bool ReadBody(HTTPServerRequest& req, std::size_t limit, std::string* body) {
    std::istream& in = req.stream();
    std::vector<char> buf(64 * 1024);
    std::size_t total = 0;
    bool over = false;
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
      const auto n = static_cast<std::size_t>(in.gcount());
      total += n;
      if (!over && body->size() + n > limit) {
        over = true;
        body->clear();
        body->shrink_to_fit();
      }
      if (!over) body->append(buf.data(), n);
      if (total > kDrainCap) break;
    }
    return !over;
  }

  void TooLarge(HTTPServerResponse& resp, std::size_t limit) {
    Error(resp, 413, "ErrorMessageSizeExceeded",
          "The request is larger than the " + std::to_string(limit) +
              " bytes Microsoft Graph accepts in one request; send large attachments through "
              "an upload session.");
  }

  // ---- routing ----
  void Route(HTTPServerRequest& req, HTTPServerResponse& resp) {
    const std::string uri = req.getURI();
    const std::size_t q = uri.find('?');
    const std::string path = uri.substr(0, q);
    const std::string query = q == std::string::npos ? "" : uri.substr(q + 1);
    if (path.rfind("/api/v2.0/", 0) == 0) return Upload(req, resp, path, query);

    const auto seg = PathSegments(path);
    if (seg.empty() || seg[0] != "v1.0")
      return Error(resp, 400, "BadRequest", "Invalid version: " + (seg.empty() ? "" : seg[0]));
    if (seg.size() >= 2 && ToLower(seg[1]) == "me") {
      return Error(resp, 400, "BadRequest",
                   "/me request is only valid with delegated authentication flow.");
    }
    if (seg.size() < 4 || ToLower(seg[1]) != "users")
      return Error(resp, 400, "BadRequest",
                   "Resource not found for the segment '" + seg.back() + "'.");
    const std::string user = seg[2];
    std::vector<std::string> rest(seg.begin() + 3, seg.end());
    for (std::size_t i = 0; i < rest.size(); ++i)
      if (i != 1) rest[i] = ToLower(rest[i]);  // rest[1] is a message ID
    Operation op;
    const char* role = kGraphMailSendRole;
    std::string message_id;
    if (rest.size() == 1 && rest[0] == "sendmail") {
      op = Operation::kSendMail;
    } else if (rest.size() == 1 && rest[0] == "messages") {
      op = Operation::kCreateDraft;
      role = kGraphMailReadWriteRole;
    } else if (rest.size() == 3 && rest[0] == "messages" && rest[2] == "attachments") {
      op = Operation::kAddAttachment;
      role = kGraphMailReadWriteRole;
    } else if (rest.size() == 4 && rest[0] == "messages" && rest[2] == "attachments" &&
               rest[3] == "createuploadsession") {
      op = Operation::kCreateUploadSession;
      role = kGraphMailReadWriteRole;
    } else if (rest.size() == 3 && rest[0] == "messages" && rest[2] == "send") {
      op = Operation::kSendDraft;
    } else {
      return Error(resp, 400, "BadRequest",
                   "Resource not found for the segment '" + seg.back() + "'.");
    }
    if (rest.size() >= 2) message_id = rest[1];
    if (req.getMethod() != "POST") {
      return Error(resp, 405, "Request_BadRequest",
                   "The HTTP method '" + req.getMethod() + "' is not allowed on this resource.");
    }

    auto config = state_.config();
    std::string body;
    if (!ReadBody(req, config->limits.graph_max_request_bytes, &body))
      return TooLarge(resp, config->limits.graph_max_request_bytes);
    GraphCaller caller;
    if (auto f = VerifyGraphBearer(state_, *config, req.get("Authorization", ""), &caller))
      return Error(resp, f);
    if (auto f = RequireRole(caller, role)) return Error(resp, f);
    const Mailbox* mailbox = nullptr;
    if (auto f = ResolveMailbox(caller, user, &mailbox)) return Error(resp, f);

    const std::string slot = caller.client_id + "\n" + mailbox->address;
    if (!state_.AcquireGraphSlot(slot, config->limits.graph_concurrent_requests)) {
      return Error(resp, 429, "ApplicationThrottled",
                   "Application is over its MailboxConcurrency limit.",
                   config->limits.graph_retry_after_seconds);
    }
    SlotGuard guard(state_, slot);
    if (!ApplyFaults(req, resp)) return;

    const std::string type =
        ToLower(Trim(req.getContentType().substr(0, req.getContentType().find(';'))));
    switch (op) {
      case Operation::kSendMail:
        return SendMail(resp, *config, caller, *mailbox, type, body);
      case Operation::kCreateDraft:
        return CreateDraft(resp, *mailbox, type, body);
      case Operation::kAddAttachment:
        return AddAttachment(resp, *mailbox, message_id, body);
      case Operation::kCreateUploadSession:
        return CreateUploadSession(resp, *config, *caller.tenant, *mailbox, message_id, body);
      case Operation::kSendDraft:
        return SendDraft(resp, *config, caller, *mailbox, message_id);
    }
  }

  // ---- the message in a request body ----
  // Fills *message from a JSON `message` object or base64 MIME; false after
  // answering 400 / 415.
  bool ReadMessage(HTTPServerResponse& resp, const std::string& type, const std::string& body,
                   bool wrapped, GraphMessage* message, bool* save_to_sent_items) {
    if (type == "text/plain") {
      std::string mime;
      if (!DecodeStrictBase64(body, &mime)) {
        Error(resp, 400, "ErrorMimeContentInvalidBase64String",
              "Invalid base64 string for MIME content.");
        return false;
      }
      if (!MessageFromMime(mime, message)) {
        Error(resp, 400, "ErrorMimeContentInvalid", "Invalid MIME content.");  // [unconfirmed]
        return false;
      }
      return true;
    }
    if (type != "application/json") {
      Error(resp, 415, "UnsupportedMediaType",  // [unconfirmed]
            "Content-Type must be application/json (a message) or text/plain (base64 MIME).");
      return false;
    }
    Object::Ptr root;
    try {
      Poco::JSON::Parser parser;
      root = parser.parse(body).extract<Object::Ptr>();
    } catch (...) {
      Error(resp, 400, "RequestBodyRead", "The request body is not a valid JSON object.");
      return false;
    }
    Object::Ptr json = root;
    if (wrapped) {
      json = root->has("message") ? root->getObject("message") : nullptr;
      if (!json) {
        Error(resp, 400, "ErrorInvalidParameter",
              "The parameter 'message' is missing or is not a message object.");
        return false;
      }
      if (root->has("saveToSentItems")) {
        auto v = root->get("saveToSentItems");
        const std::string s = v.isBoolean() ? (v.convert<bool>() ? "true" : "false")
                                            : ToLower(v.isString() ? v.convert<std::string>() : "");
        if (s != "true" && s != "false") {
          Error(resp, 400, "RequestBodyRead", "saveToSentItems must be true or false.");
          return false;
        }
        *save_to_sent_items = s == "true";
      }
    }
    std::string error;
    if (!MessageFromJson(json, message, &error)) {
      Error(resp, 400, "RequestBodyRead", "Cannot read the message: " + error + ".");
      return false;
    }
    for (const auto& [name, value] : message->extra_headers) {
      if (!StartsWithNoCase(name, "x-")) {
        Error(resp, 400, "InvalidInternetMessageHeader",
              "The internet message header name '" + name + "' should start with 'x-' or 'X-'.");
        return false;
      }
    }
    return true;
  }

  // Recipients, SendAs and size, then the spool and 202 (Exchange's checks
  // at submission; transport and NDRs come after the 202).
  bool Submit(HTTPServerResponse& resp, const Config& config, const GraphCaller& caller,
              const Mailbox& mailbox, const GraphMessage& message, bool save_to_sent_items) {
    const auto recipients = AllRecipients(message);
    if (recipients.empty()) {
      Error(resp, 400, "ErrorInvalidRecipients",
            "At least one recipient is not valid., A message can't be sent because it "
            "contains no recipients.");
      return false;
    }
    for (const auto& r : recipients) {
      if (!ValidAddress(r)) {
        Error(resp, 400, "ErrorInvalidRecipients",
              "At least one recipient is not valid., Recipient '" + r +
                  "' is not resolved. All recipients must be resolved before a message "
                  "can be submitted.");
        return false;
      }
    }
    if (!message.from.empty() && !SenderAllowed(config, mailbox.address, message.from)) {
      Error(resp, 403, "ErrorSendAsDenied",
            "The user account which was used to submit this request does not have the "
            "right to send mail on behalf of the specified sending account., Cannot "
            "submit message.");
      return false;
    }
    const std::string domain = mailbox.address.substr(mailbox.address.find('@') + 1);
    std::string message_id = message.mime.empty() ? "" : HeaderValue(message.mime, "Message-ID");
    if (message_id.empty()) message_id = "<" + NewGuid() + "@" + domain + ">";
    ReceivedMessage m;
    m.route = "graph";
    m.raw = RenderMime(message, mailbox.address, message_id);
    if (m.raw.size() > config.limits.max_message_bytes) {
      Error(resp, 413, "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size of " +
                std::to_string(config.limits.max_message_bytes) + " bytes.");
      return false;
    }
    m.envelope_from = message.from.empty() ? mailbox.address : ToLower(message.from);
    for (const auto& r : recipients) m.recipients.push_back(ToLower(r));
    m.authenticated_mailbox = mailbox.address;
    m.client_id = caller.client_id;
    m.message_id = message_id;
    m.save_to_sent_items = save_to_sent_items;
    state_.AddMessage(std::move(m));
    Success(resp, 202);
    return true;
  }

  // ---- operations ----
  void SendMail(HTTPServerResponse& resp, const Config& config, const GraphCaller& caller,
                const Mailbox& mailbox, const std::string& type, const std::string& body) {
    GraphMessage message;
    bool save = true;
    if (!ReadMessage(resp, type, body, true, &message, &save)) return;
    Submit(resp, config, caller, mailbox, message, save);
  }

  static Array::Ptr RecipientsJson(const std::vector<std::string>& list) {
    Array::Ptr a = new Array;
    for (const auto& r : list) {
      Object::Ptr e = NewObject();
      e->set("address", r);
      Object::Ptr o = NewObject();
      o->set("emailAddress", e);
      a->add(o);
    }
    return a;
  }

  void CreateDraft(HTTPServerResponse& resp, const Mailbox& mailbox, const std::string& type,
                   const std::string& body) {
    GraphMessage message;
    bool save = true;
    if (!ReadMessage(resp, type, body, false, &message, &save)) return;
    const std::string id = store_.CreateDraft(mailbox.address, message);
    const std::string now = IsoTime(NowUnix(), false) + "Z";
    Object::Ptr o = NewObject();
    o->set("@odata.context",
           base_url_ + "/v1.0/$metadata#users('" + mailbox.address + "')/messages/$entity");
    o->set("@odata.etag", "W/\"" + Base64UrlEncode(NewGuid()).substr(0, 24) + "\"");
    o->set("id", id);
    o->set("createdDateTime", now);
    o->set("lastModifiedDateTime", now);
    o->set("subject", message.subject);
    o->set("isDraft", true);
    o->set("hasAttachments", !message.attachments.empty());
    Object::Ptr b = NewObject();
    b->set("contentType", std::string(message.html ? "html" : "text"));
    b->set("content", message.mime.empty() ? message.body : std::string());
    o->set("body", b);
    o->set("toRecipients", RecipientsJson(message.to));
    o->set("ccRecipients", RecipientsJson(message.cc));
    o->set("bccRecipients", RecipientsJson(message.bcc));
    Success(resp, 201, Stringify(o));
  }

  void AddAttachment(HTTPServerResponse& resp, const Mailbox& mailbox,
                     const std::string& message_id, const std::string& body) {
    Object::Ptr a;
    try {
      Poco::JSON::Parser parser;
      a = parser.parse(body).extract<Object::Ptr>();
    } catch (...) {
      return Error(resp, 400, "RequestBodyRead", "The request body is not a valid JSON object.");
    }
    Object::Ptr wrapper = NewObject();
    Array::Ptr list = new Array;
    list->add(a);
    wrapper->set("attachments", list);
    GraphMessage parsed;
    std::string error;
    if (!MessageFromJson(wrapper, &parsed, &error))
      return Error(resp, 400, "RequestBodyRead", "Cannot read the attachment: " + error + ".");
    FileAttachment f = parsed.attachments.front();
    f.id = NewItemId();
    if (!store_.Attach(mailbox.address, message_id, f)) return NotFound(resp);
    Object::Ptr o = NewObject();
    o->set("@odata.context", base_url_ + "/v1.0/$metadata#users('" + mailbox.address +
                                 "')/messages('" + message_id + "')/attachments/$entity");
    o->set("@odata.type", std::string("#microsoft.graph.fileAttachment"));
    o->set("id", f.id);
    o->set("name", f.name);
    o->set("contentType", f.content_type);
    o->set("size", static_cast<std::uint64_t>(f.bytes.size()));
    o->set("isInline", false);
    Success(resp, 201, Stringify(o));
  }

  void NotFound(HTTPServerResponse& resp) {
    Error(resp, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
  }

  void CreateUploadSession(HTTPServerResponse& resp, const Config& config, const Tenant& tenant,
                           const Mailbox& mailbox, const std::string& message_id,
                           const std::string& body) {
    Object::Ptr item;
    try {
      Poco::JSON::Parser parser;
      Object::Ptr root = parser.parse(body).extract<Object::Ptr>();
      item = root->getObject("AttachmentItem");
    } catch (...) {
    }
    if (!item) {
      return Error(resp, 400, "ErrorInvalidParameter",
                   "The parameter 'AttachmentItem' is missing or is not an object.");
    }
    FileAttachment f;
    f.name = item->optValue<std::string>("name", "");
    f.content_type = item->optValue<std::string>("contentType", "application/octet-stream");
    const std::string kind = item->optValue<std::string>("attachmentType", "file");
    if (ToLower(kind) != "file" || f.name.empty() || !item->has("size") ||
        !item->get("size").isInteger()) {
      return Error(resp, 400, "ErrorInvalidParameter",
                   "AttachmentItem needs attachmentType 'file', a name and an integer size.");
    }
    const auto size = item->get("size").convert<std::int64_t>();
    if (size < static_cast<std::int64_t>(config.limits.graph_min_upload_session_bytes)) {
      return Error(resp, 400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                   "Attachment size must be greater than the minimum size.");
    }
    if (size > static_cast<std::int64_t>(config.limits.graph_max_attachment_bytes)) {
      return Error(resp, 400,
                   "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",  // [unconfirmed]
                   "Attachment size must not be greater than the maximum size.");
    }
    const std::int64_t expires = NowUnix() + kUploadSessionSeconds;
    auto session = store_.CreateSession(mailbox.address, message_id, f,
                                        static_cast<std::size_t>(size), expires);
    if (!session) return NotFound(resp);
    const std::string user =
        (mailbox.user_id.empty() ? mailbox.address : mailbox.user_id) + "@" + tenant.id;
    Object::Ptr o = NewObject();
    o->set("@odata.context", base_url_ + "/v1.0/$metadata#microsoft.graph.uploadSession");
    o->set("uploadUrl", base_url_ + "/api/v2.0/Users('" + user + "')/Messages('" + message_id +
                            "')/AttachmentSessions('" + session->id +
                            "')?authtoken=" + session->auth_token);
    o->set("expirationDateTime", IsoTime(expires, true));
    Array::Ptr next = new Array;
    next->add(std::string("0-"));
    o->set("nextExpectedRanges", next);
    Success(resp, 201, Stringify(o));
  }

  void SendDraft(HTTPServerResponse& resp, const Config& config, const GraphCaller& caller,
                 const Mailbox& mailbox, const std::string& message_id) {
    auto draft = store_.Draft(mailbox.address, message_id);
    if (!draft) return NotFound(resp);
    // A sent draft leaves the Drafts folder.
    if (Submit(resp, config, caller, mailbox, *draft, true))
      store_.RemoveDraft(mailbox.address, message_id);
  }

  // PUT / DELETE on an upload URL: pre-authenticated by its authtoken.
  void Upload(HTTPServerRequest& req, HTTPServerResponse& resp, const std::string& path,
              const std::string& query) {
    const std::string marker = "AttachmentSessions('";
    const std::size_t at = path.find(marker);
    const std::size_t close = at == std::string::npos ? at : path.find("')", at);
    std::map<std::string, std::string> params;
    ParseForm(query, &params);
    if (at == std::string::npos || close == std::string::npos) return NotFound(resp);
    const std::string session_id = path.substr(at + marker.size(), close - at - marker.size());
    const std::string token = params["authtoken"];
    auto config = state_.config();
    std::string body;
    if (!ReadBody(req, config->limits.graph_max_request_bytes, &body))
      return TooLarge(resp, config->limits.graph_max_request_bytes);
    if (req.has("Authorization")) {
      // The upload URL carries its own token; a Graph bearer token is for
      // another audience (outlook.office.com) [unconfirmed].
      return Error(resp, 401, "InvalidAuthenticationToken",
                   "Access token validation failure. Invalid audience. Do not send an "
                   "Authorization header to an upload URL.");
    }
    if (!ApplyFaults(req, resp)) return;
    if (req.getMethod() == "DELETE") {
      if (!store_.DeleteSession(session_id, token)) return NotFound(resp);
      return Success(resp, 204);
    }
    if (req.getMethod() != "PUT") {
      return Error(resp, 405, "Request_BadRequest",
                   "The HTTP method '" + req.getMethod() + "' is not allowed on an upload URL.");
    }
    std::size_t start = 0, end = 0, total = 0, next = 0;
    if (!ParseContentRange(req.get("Content-Range", ""), &start, &end, &total)) {
      return Error(resp, 400, "InvalidContentRange",  // [unconfirmed]
                   "Content-Range must be 'bytes {start}-{end}/{total}'.");
    }
    UploadSession done;
    switch (store_.PutChunk(session_id, token, start, end, total, body, NowUnix(), &next, &done)) {
      case ChunkOutcome::kNoSession:
        return NotFound(resp);
      case ChunkOutcome::kBadToken:
        return Error(resp, 401, "InvalidAuthenticationToken", "Access token validation failure.");
      case ChunkOutcome::kExpired:
        return Error(resp, 401, "InvalidAuthenticationToken",
                     "Access token has expired or is not yet valid.");
      case ChunkOutcome::kBadRange:
        return Error(resp, 400, "InvalidContentRange",  // [unconfirmed]
                     "Content-Range does not match the body length or the declared size.");
      case ChunkOutcome::kWrongStart:
        return Error(resp, 416, "InvalidRange",  // [unconfirmed]
                     "The next expected range starts at byte " + std::to_string(next) + ".");
      case ChunkOutcome::kMore: {
        Object::Ptr o = NewObject();
        o->set("@odata.context",
               base_url_ + "/api/v2.0/$metadata#Users/Messages/AttachmentSessions/$entity");
        o->set("ExpirationDateTime", IsoTime(done.expires_unix, true));
        Array::Ptr ranges = new Array;
        ranges->add(std::to_string(next));
        o->set("nextExpectedRanges", ranges);
        return Success(resp, 200, Stringify(o));
      }
      case ChunkOutcome::kComplete: {
        const std::string base = path.substr(0, at);
        resp.set("Location", base_url_ + base + "Attachments('" + done.attachment.id + "')");
        return Success(resp, 201);
      }
    }
  }

  State& state_;
  GraphStore& store_;
  std::string base_url_;
  std::string request_id_;
  std::string client_request_id_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(State& state, GraphStore& store, int port) : state_(state), store_(store), port_(port) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new GraphHandler(state_, store_, port_);
  }

 private:
  State& state_;
  GraphStore& store_;
  int port_;
};

}  // namespace

GraphServer::GraphServer(State& state, Poco::Net::Context::Ptr context)
    : state_(state), pool_("m365emu-graph", 2, 64) {
  Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
  port_ = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setTimeout(Poco::Timespan(10, 0));  // every read has a deadline
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(1000);
  params->setKeepAliveTimeout(Poco::Timespan(10, 0));
  params->setMaxThreads(64);
  params->setMaxQueued(128);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_, store_, port_), pool_,
                                                    socket, params);
  server_->start();
}

GraphServer::~GraphServer() { Stop(); }

void GraphServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stopAll(true);
  pool_.joinAll();
}

}  // namespace m365emu::detail
