#pragma once
// What a host asks a channel to deliver (Sender::Deliver).
// Plain values, copied freely. Within a major version the layout of these
// types never changes (api_version.hpp); docs/host-api.md has the contract.
#include <string>
#include <utility>
#include <vector>

namespace notify {

struct Attachment {
  std::string name;          // file name shown to the recipient; no path
  std::string content_type;  // e.g. "application/pdf"
  std::string bytes;         // raw content
};

// A notification to deliver. Passed to Deliver by reference, valid during the
// call only. The channel refuses (rejected) a message whose headers or
// addresses are malformed; it never rewrites them silently.
struct Message {
  std::string id;  // the host's id, echoed in the result
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;  // envelope only, never in the headers
  std::string subject;           // UTF-8
  std::string text_body;         // UTF-8
  std::string html_body;         // optional; with text_body -> multipart/alternative
  std::vector<Attachment> attachments;
  // Added to the message's headers. Since API 1.2 one entry may be
  // "Message-ID" with a value "<left@right>": the channel uses it as the
  // message's Message-ID instead of making one, so that a host retrying
  // after an unknown outcome sends the same id (TakesMessageId in
  // api_version.hpp says which plugins take it).
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

}  // namespace notify
