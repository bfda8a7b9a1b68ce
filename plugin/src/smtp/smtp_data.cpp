// Hand-written for a measured reason: Poco::Net::MailOutputStream does the
// dot-stuffing and the closing dot, but leaves bare CR and LF as they are;
// behind a Poco::OutputLineEndingConverter it gives the same bytes (the unit
// tests pass) 12 times slower: 20 us against 1.7 us for a 1 KB message
// (BM_DataPayload_1K in tests/bench/micro), and this runs for every message.
#include "smtp/smtp_data.hpp"

namespace m365 {

std::string EncodeDataPayload(const std::string& mime) {
  std::string out;
  out.reserve(mime.size() + mime.size() / 64 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < mime.size(); ++i) {
    char c = mime[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < mime.size() && mime[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace m365
