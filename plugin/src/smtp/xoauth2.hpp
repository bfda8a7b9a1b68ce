#pragma once
// The SASL XOAUTH2 mechanism as Exchange Online expects it
// (docs/microsoft-365.md, SMTP submission). Its output carries the access
// token: never log it (docs/security.md, Secrets and tokens).
#include <string>

namespace m365 {

// base64("user=" + user + "\x01auth=Bearer " + access_token + "\x01\x01"),
// on one line (no line breaks), standard alphabet with padding.
std::string Xoauth2InitialResponse(const std::string& user, const std::string& access_token);

// Decodes the base64 text of a "334 <base64>" error challenge (a small JSON
// object such as {"status":"401","schemes":"bearer","scope":"..."}) into
// printable text of at most 512 bytes; "" when it is not base64.
std::string DecodeXoauth2Challenge(const std::string& base64_text);

}  // namespace m365
