#pragma once
// An SMTP reply, possibly multi-line (RFC 5321 section 4.2, RFC 2034 enhanced codes).
#include <string>
#include <vector>

namespace m365 {

struct SmtpReply {
  int code = 0;                    // 0 when no reply was read (connection lost, timeout)
  std::string enhanced;            // "5.7.3" when present, else ""
  std::string text;                // the last line's text after the code (and enhanced code)
  std::vector<std::string> lines;  // every line's text, in order

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "535 5.7.3 Authentication unsuccessful [...]": code, enhanced code and text.
  std::string ToString() const;
};

}  // namespace m365
