#pragma once
#include <string>
#include <utility>
#include <vector>

namespace notify {

struct Attachment {
  std::string name;          // file name shown to the recipient; no path
  std::string content_type;  // e.g. "application/pdf"
  std::string bytes;         // raw content
};

// A notification to deliver. The channel refuses (rejected) a message whose
// headers or addresses are malformed; it never rewrites them silently.
struct Message {
  std::string id;  // the host's id, echoed in the result
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;  // envelope only, never in the headers
  std::string subject;           // UTF-8
  std::string text_body;         // UTF-8
  std::string html_body;         // optional; with text_body -> multipart/alternative
  std::vector<Attachment> attachments;
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

}  // namespace notify
