#include "smtp/smtp_reply_parser.hpp"

#include <cctype>
#include <utility>

namespace m365 {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads 1-3 digits at text[*pos]; false when there are none or more than 3.
bool ReadNumber(std::string_view text, std::size_t* pos, std::size_t max_digits) {
  std::size_t start = *pos;
  while (*pos < text.size() && IsDigit(text[*pos])) ++*pos;
  std::size_t n = *pos - start;
  return n >= 1 && n <= max_digits;
}

// The printable form of a line for error texts: control bytes as '?', cut.
std::string Printable(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

bool SplitEnhancedCode(int code, std::string_view text, std::string* enhanced, std::string* rest) {
  // class "." subject "." detail, class in 2/4/5 and equal to the reply's class.
  if (text.empty() || text[0] != static_cast<char>('0' + code / 100)) return false;
  if (text[0] != '2' && text[0] != '4' && text[0] != '5') return false;
  std::size_t pos = 1;
  if (pos >= text.size() || text[pos] != '.') return false;
  ++pos;
  if (!ReadNumber(text, &pos, 3)) return false;
  if (pos >= text.size() || text[pos] != '.') return false;
  ++pos;
  if (!ReadNumber(text, &pos, 3)) return false;
  if (pos < text.size() && text[pos] != ' ') return false;
  *enhanced = std::string(text.substr(0, pos));
  *rest = pos < text.size() ? std::string(text.substr(pos + 1)) : std::string();
  return true;
}

std::size_t SmtpReplyParser::Feed(std::string_view data) {
  std::size_t used = 0;
  while (state_ == State::kIncomplete && used < data.size()) {
    char c = data[used++];
    if (++total_bytes_ > kMaxReplyBytes) {
      Fail("reply longer than " + std::to_string(kMaxReplyBytes) + " bytes");
      break;
    }
    if (c == '\n') {
      std::string line = std::move(partial_);
      partial_.clear();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      AcceptLine(std::move(line));
      continue;
    }
    if (partial_.size() >= kMaxLineBytes) {
      Fail("reply line longer than " + std::to_string(kMaxLineBytes) + " bytes");
      break;
    }
    partial_ += c;
  }
  return used;
}

void SmtpReplyParser::AcceptLine(std::string line) {
  // "ddd", "ddd text" (last line) or "ddd-text" (more follow).
  if (line.size() < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2]) ||
      line[0] < '2' || line[0] > '5' || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
    Fail("not an SMTP reply line: \"" + Printable(line) + "\"");
    return;
  }
  int code = std::stoi(line.substr(0, 3));
  if (!reply_.lines.empty() && code != reply_.code) {
    Fail("reply code changed from " + std::to_string(reply_.code) + " to " + std::to_string(code) +
         " inside one reply");
    return;
  }
  if (reply_.lines.size() >= kMaxLines) {
    Fail("reply with more than " + std::to_string(kMaxLines) + " lines");
    return;
  }
  bool last = line.size() == 3 || line[3] == ' ';
  std::string text = line.size() > 4 ? line.substr(4) : std::string();
  reply_.code = code;
  reply_.lines.push_back(text);
  if (!last) return;

  std::string enhanced;
  std::string rest;
  if (SplitEnhancedCode(code, text, &enhanced, &rest)) {
    reply_.enhanced = enhanced;
    reply_.text = rest;
  } else {
    // Some servers put the enhanced code only on the first line.
    std::string first_rest;
    if (SplitEnhancedCode(code, reply_.lines.front(), &enhanced, &first_rest)) {
      reply_.enhanced = enhanced;
    }
    reply_.text = text;
  }
  state_ = State::kComplete;
}

void SmtpReplyParser::Fail(std::string error) {
  state_ = State::kMalformed;
  error_ = std::move(error);
}

void SmtpReplyParser::Reset() { *this = SmtpReplyParser(); }

SmtpReply ParseSmtpReply(std::string_view raw) {
  SmtpReplyParser parser;
  std::size_t used = parser.Feed(raw);
  if (parser.state() != SmtpReplyParser::State::kComplete || used != raw.size()) {
    return SmtpReply();
  }
  return parser.reply();
}

}  // namespace m365
