#pragma once
// Turns a host Message into an Internet message (RFC 5322 + MIME) and its
// envelope recipients. Nothing is rewritten silently: a header, name or
// address that cannot be sent as given is refused with an error naming it.
#include <string>
#include <vector>

#include "notify/host_api/message.hpp"
#include "notify/sdk/status.hpp"

namespace m365 {

// A message ready for SMTP.
struct MimeMessage {
  std::string data;                     // headers and body, CRLF line endings, not dot-stuffed
  std::string message_id;               // "<...@domain>", as in the Message-ID header
  std::vector<std::string> recipients;  // to, cc and bcc for RCPT TO, duplicates removed
};

class MimeBuilder {
 public:
  // `from_email` is the From address (and domain of Message-IDs); `from_name`
  // the optional display name (UTF-8).
  MimeBuilder(std::string from_email, std::string from_name);

  // Builds the message: From (with the display name), To, Cc (Bcc only in
  // the envelope), Subject (RFC 2047 when not ASCII), Date, the
  // Message-ID the host gave as an extra header (checked: <left@right>) or
  // else a new unique one, MIME-Version, the extra headers, then text and/or HTML
  // (multipart/alternative when both) and attachments (multipart/mixed,
  // base64). Errors name the offending part, e.g. "to[1]: 'x' is not an
  // e-mail address" or "subject: contains a line break"; they never echo
  // body or attachment content. Exchange Online's default limits are
  // enforced here: 255 characters of subject, 500 distinct recipients, 35 MB
  // encoded (checked on the raw sizes before encoding, and again on the
  // result); attachment names carry no path.
  // With `bcc_header`, Bcc is also written as a header: Microsoft Graph's MIME
  // sendMail takes the recipients from the headers and drops Bcc before
  // sending (docs/delivery.md, The Microsoft Graph route).
  notify::sdk::StatusOr<MimeMessage> Build(const notify::Message& message,
                                           bool bcc_header = false) const;

 private:
  std::string from_email_;
  std::string from_name_;
};

}  // namespace m365
