// libFuzzer: SMTP replies as a server might send them (multi-line, enhanced
// status codes, junk), fed to the bounded parser whole and in pieces whose
// sizes come from byte 0. Both ways must agree, stay within the limits and
// never consume bytes after the reply.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/smtp_reply_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t piece = 1 + data[0] % 17;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  using State = m365::SmtpReplyParser::State;

  m365::SmtpReplyParser whole;
  std::size_t used_whole = whole.Feed(input);
  if (used_whole > input.size()) __builtin_trap();

  m365::SmtpReplyParser pieces;
  std::size_t used = 0;
  while (used < input.size() && pieces.state() == State::kIncomplete) {
    std::string_view next = input.substr(used, piece);
    std::size_t n = pieces.Feed(next);
    if (n > next.size()) __builtin_trap();
    used += n;
    if (n < next.size() && pieces.state() == State::kIncomplete) __builtin_trap();
  }
  if (pieces.state() != whole.state() || used != used_whole) __builtin_trap();
  if (whole.state() == State::kComplete) {
    const m365::SmtpReply& a = whole.reply();
    const m365::SmtpReply& b = pieces.reply();
    if (a.code < 200 || a.code > 599 || a.code != b.code) __builtin_trap();
    if (a.lines != b.lines || a.enhanced != b.enhanced || a.text != b.text) __builtin_trap();
    if (a.lines.empty() || a.lines.size() > m365::SmtpReplyParser::kMaxLines) __builtin_trap();
    for (const auto& line : a.lines) {
      if (line.size() > m365::SmtpReplyParser::kMaxLineBytes) __builtin_trap();
    }
    if (!a.enhanced.empty() && a.enhanced[0] != static_cast<char>('0' + a.code / 100))
      __builtin_trap();
    (void)a.ToString();
    // The same bytes, cut after the reply, parse to the same reply.
    m365::SmtpReply again = m365::ParseSmtpReply(input.substr(0, used_whole));
    if (again.code != a.code || again.lines != a.lines) __builtin_trap();
  } else if (whole.state() == State::kMalformed) {
    if (whole.error().empty() || whole.error() != pieces.error()) __builtin_trap();
  }
  std::string enhanced, rest;
  if (m365::SplitEnhancedCode(250, input, &enhanced, &rest) && enhanced.size() > 9)
    __builtin_trap();
  return 0;
}
