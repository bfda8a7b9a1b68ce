#include "smtp/xoauth2.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <sstream>

namespace m365 {

std::string Xoauth2InitialResponse(const std::string& user, const std::string& access_token) {
  // Poco's encoder, on one line. The token is copied like any string: it is
  // not wiped from memory, it is kept out of logs and output
  // (docs/security.md, Secrets in memory).
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << "user=" << user << "\x01"
          << "auth=Bearer " << access_token << "\x01\x01";
  encoder.close();
  return out.str();
}

std::string DecodeXoauth2Challenge(const std::string& base64_text) {
  constexpr std::size_t kMaxBytes = 512;
  for (char c : base64_text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return "";
  }
  std::istringstream in(base64_text.substr(0, kMaxBytes * 4 / 3 + 4));
  Poco::Base64Decoder decoder(in);
  std::string out;
  try {
    char c;
    while (out.size() < kMaxBytes && decoder.get(c)) {
      out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
  } catch (const Poco::Exception&) {
    return "";
  }
  return out;
}

}  // namespace m365
