#include "smtp/xoauth2.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>

#include <sstream>
#include <string_view>

namespace m365 {

std::string Xoauth2InitialResponse(const std::string& user, const std::string& access_token) {
  // Encoded straight into one buffer of the final size: no stream buffer or
  // reallocation leaves a copy of the token behind (see secure_wipe.hpp).
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Views, not strings: a copy of the token would be freed unwiped.
  const std::string_view parts[] = {"user=", user,
                                    "\x01"
                                    "auth=Bearer ",
                                    access_token, "\x01\x01"};
  std::size_t size = 0;
  for (const auto& p : parts) size += p.size();
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  unsigned int group = 0;
  int bytes = 0;
  for (const auto& p : parts) {
    for (unsigned char c : p) {
      group = (group << 8) | c;
      if (++bytes == 3) {
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(group >> shift) & 0x3F];
        group = 0;
        bytes = 0;
      }
    }
  }
  if (bytes > 0) {
    group <<= 8 * (3 - bytes);
    for (int i = 0; i <= bytes; ++i) out += kAlphabet[(group >> (18 - 6 * i)) & 0x3F];
    out.append(static_cast<std::size_t>(3 - bytes), '=');
  }
  return out;
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
