// The message a Graph request carries (JSON `message` resource or base64
// MIME), its recipients and sender, and the MIME Exchange would transmit
// (docs/microsoft-365.md, Microsoft Graph sendMail).
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <utility>
#include <vector>

namespace m365emu::detail {

struct FileAttachment {
  std::string id;
  std::string name;
  std::string content_type;
  std::string bytes;
};

struct GraphMessage {
  // Sender address as given (From header / `from`); empty: the mailbox.
  std::string from;
  std::vector<std::string> to, cc, bcc;  // addresses as given
  std::string subject;
  bool html = false;
  std::string body;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // internetMessageHeaders
  std::vector<FileAttachment> attachments;
  // Non-empty when the message came as MIME: the RFC 5322 text as sent
  // (CRLF line ends); attachments added later are wrapped around it.
  std::string mime;
};

// Reads a Graph `message` object. False with the reason in *error when a
// property has the wrong shape (the caller answers 400).
bool MessageFromJson(const Poco::JSON::Object::Ptr& json, GraphMessage* message,
                     std::string* error);

// Reads From/To/Cc/Bcc/Subject of a MIME message; the text is kept with CRLF
// line ends. False when there is no header/body separation at all.
bool MessageFromMime(const std::string& mime, GraphMessage* message);

// Every recipient, To then Cc then Bcc.
std::vector<std::string> AllRecipients(const GraphMessage& message);

// An address Exchange would resolve: local@domain, one '@', no spaces or
// angle brackets, a dot in the domain.
bool ValidAddress(const std::string& address);

// Addresses of a header value such as `"Last, First" <a@b>, c@d`.
std::vector<std::string> ParseAddressList(const std::string& value);

// The MIME Exchange transmits for `message` sent by `mailbox`, with CRLF line
// ends: a MIME message keeps its text (a From header is added when missing,
// added attachments wrap it in multipart/mixed); a JSON message is rendered.
std::string RenderMime(const GraphMessage& message, const std::string& mailbox,
                       const std::string& message_id);

// The value of the first header `name` (case-insensitive), unfolded.
std::string HeaderValue(const std::string& mime, const std::string& name);

}  // namespace m365emu::detail
