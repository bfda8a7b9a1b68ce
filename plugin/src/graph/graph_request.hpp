#pragma once
// What the Microsoft Graph route sends (docs/microsoft-365.md, Microsoft
// Graph sendMail): sendMail with the MIME body, base64, as text/plain.
#include <cstddef>
#include <string>

namespace m365 {

// Microsoft Graph's limit of one request's body (about 4 MB): a message whose
// sendMail body would be larger is not sent as one request.
inline constexpr std::size_t kMaxGraphRequestBytes = 4u * 1024u * 1024u;

// Largest Graph answer read (an error body, an upload session); longer ones
// are refused (docs/security.md, Untrusted input).
inline constexpr std::size_t kMaxGraphAnswerBytes = 64u * 1024u;

// The path of `tail` ("sendMail", "messages", ...) under the mailbox's user:
// `base_path` + "/v1.0/users/" + the percent-encoded mailbox + "/" + tail.
// `base_path` is graph_url's path ("" for https://graph.microsoft.com).
std::string GraphUserPath(const std::string& base_path, const std::string& mailbox,
                          const std::string& tail);

// The sendMail body for a MIME message: its base64, without line breaks.
std::string SendMailBody(const std::string& mime);

// The size of SendMailBody(mime) for a MIME message of `mime_bytes`.
constexpr std::size_t SendMailBodySize(std::size_t mime_bytes) {
  return 4 * ((mime_bytes + 2) / 3);
}

}  // namespace m365
