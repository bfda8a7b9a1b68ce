// Encodings for building Internet messages. Base64 (bodies and encoded
// words) is Poco's Base64Encoder; two encoders stay hand-written, each for a
// reason:
// - Quoted-printable: Poco::Net::QuotedPrintableEncoder, behind the
//   Poco::OutputLineEndingConverter that the CRLF rule needs, measured 2.9
//   times slower per byte (49.5 MB/s against 144 MB/s,
//   BM_MimeEncode_QuotedPrintable64K) and doubled the build of a 1 KB
//   message (21.8 us against 11.0 us, BM_MimeBuild_Text1K) in
//   tests/bench/micro (notify-bench-micro); it also drops white space left
//   at the very end of its input unless a line break follows. Its output
//   is checked against Poco's QuotedPrintableDecoder in the unit tests.
// - RFC 2047 encoded words: Poco's only encoder of them,
//   Poco::Net::MailMessage::encodeWord, writes "Q" words that may split a
//   UTF-8 sequence between two words (RFC 2047 section 5 forbids it), folds
//   lines on its own, and leaves ASCII text that looks like an encoded word
//   unencoded.
#include "mime/mime_encoding.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/MemoryStream.h>

#include <sstream>

namespace m365 {
namespace {

constexpr std::size_t kHeaderLine = 78;
constexpr std::size_t kBodyLine = 76;
// "=?UTF-8?B?" + base64 + "?=" within 75 characters: 60 base64 characters,
// so at most 45 bytes of text per encoded word.
constexpr std::size_t kBytesPerWord = 45;
const char kHex[] = "0123456789ABCDEF";

std::string Base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

// Length of the UTF-8 sequence starting with `lead`; 1 for anything else.
std::size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool HasControlCharacters(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return true;
  }
  return false;
}

std::string EncodeWords(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t n = SequenceLength(static_cast<unsigned char>(text[end]));
      if (end + n - i > kBytesPerWord && end > i) break;
      end += n;
    }
    end = std::min(end, text.size());
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string EncodeUnstructured(std::string_view text) {
  bool plain = IsPrintableAscii(text) && text.find("=?") == std::string_view::npos;
  // A word longer than a line cannot be folded; encoded words can.
  std::size_t run = 0;
  for (char c : text) {
    run = (c == ' ') ? 0 : run + 1;
    if (run > kHeaderLine - 12) plain = false;
  }
  return plain ? std::string(text) : EncodeWords(text);
}

std::string EncodeDisplayName(std::string_view name) {
  if (!IsPrintableAscii(name) || name.find("=?") != std::string_view::npos ||
      name.size() > kHeaderLine - 12) {
    return EncodeWords(name);
  }
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string FoldHeader(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ':';
  std::size_t line_length = out.size();
  std::size_t i = 0;
  while (i <= value.size()) {
    std::size_t space = value.find(' ', i);
    if (space == std::string_view::npos) space = value.size();
    std::string_view word = value.substr(i, space - i);
    if (line_length + 1 + word.size() > kHeaderLine && line_length > name.size() + 1) {
      out += "\r\n";
      line_length = 0;
    }
    out += ' ';
    out += word;
    line_length += 1 + word.size();
    i = space + 1;
  }
  return out + "\r\n";
}

std::string EncodeQuotedPrintable(std::string_view text) {
  std::string out;
  std::string line;  // the current encoded line, without its break
  auto push = [&](const std::string& piece) {
    // Keep room for a soft break "=" within 76 characters.
    if (line.size() + piece.size() > kBodyLine - 1) {
      out += line + "=\r\n";
      line.clear();
    }
    line += piece;
  };
  auto encoded = [](unsigned char c) { return std::string{'=', kHex[c >> 4], kHex[c & 0x0F]}; };
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += line + "\r\n";
      line.clear();
      continue;
    }
    bool at_line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
    if ((c == ' ' || c == '\t') && !at_line_end) {
      push(std::string(1, static_cast<char>(c)));
    } else if (c > 32 && c < 127 && c != '=') {
      push(std::string(1, static_cast<char>(c)));
    } else {
      push(encoded(c));  // also white space at the end of a line
    }
  }
  if (!line.empty()) out += line + "\r\n";
  return out;
}

std::string EncodeBase64Lines(std::string_view bytes) {
  // Written in place into a string of the final size: into a
  // std::ostringstream, growing and copying its buffer made the same
  // encoding 4.5 times as slow (15 ms against 3.3 ms per MB,
  // BM_MimeEncode_Base64Lines1M in tests/bench/micro).
  const std::size_t flat = (bytes.size() + 2) / 3 * 4;
  std::string lines(flat + (flat + kBodyLine - 1) / kBodyLine * 2, '\0');
  Poco::MemoryOutputStream sink(lines.data(), static_cast<std::streamsize>(lines.size()));
  Poco::Base64Encoder encoder(sink);
  encoder.rdbuf()->setLineLength(static_cast<int>(kBodyLine));  // CRLF after each full line
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  lines.resize(static_cast<std::size_t>(sink.charsWritten()));
  if (!lines.empty() && lines.back() != '\n') lines += "\r\n";  // the last, shorter line
  return lines;
}

std::string EncodeParameter(std::string_view name, std::string_view value) {
  std::string out(name);
  if (IsPrintableAscii(value)) {
    out += "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  out += "*=UTF-8''";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    bool keep = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~';
    if (keep) {
      out += c;
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 0x0F]};
    }
  }
  return out;
}

}  // namespace m365
