#pragma once
// The bytes sent after "354": the message with CRLF line endings, every line
// that starts with "." dot-stuffed (RFC 5321 section 4.5.2), and the closing
// "<CRLF>.<CRLF>".
#include <string>

namespace m365 {

// Bare LF and bare CR become CRLF; a missing final line break is added.
std::string EncodeDataPayload(const std::string& mime);

}  // namespace m365
