#pragma once
// Assembles SMTP replies from the bytes a server sends (RFC 5321 section 4.2,
// enhanced status codes of RFC 2034 / RFC 3463), with hard size limits so a
// hostile or broken server cannot make the client buffer without end.
#include <cstddef>
#include <string>
#include <string_view>

#include "smtp/smtp_reply.hpp"

namespace m365 {

class SmtpReplyParser {
 public:
  // Limits. RFC 5321 allows 512-byte reply lines; Exchange stays far below.
  static constexpr std::size_t kMaxLineBytes = 2048;
  static constexpr std::size_t kMaxLines = 64;
  static constexpr std::size_t kMaxReplyBytes = 32 * 1024;

  enum class State {
    kIncomplete,  // feed more bytes
    kComplete,    // reply() holds a whole reply
    kMalformed,   // error() says why; the connection should be dropped
  };

  // Consumes bytes of `data` up to and including the last line of one reply
  // and returns how many it used; bytes after that reply are left to the
  // caller (a server may not send them unasked, see StartTls). Feeding in a
  // state other than kIncomplete consumes nothing.
  std::size_t Feed(std::string_view data);

  State state() const { return state_; }
  // The reply; meaningful only when state() == kComplete.
  const SmtpReply& reply() const { return reply_; }
  // What was wrong; set only when state() == kMalformed.
  const std::string& error() const { return error_; }
  // Forgets everything, ready for the next reply.
  void Reset();

 private:
  void AcceptLine(std::string line);
  void Fail(std::string error);

  State state_ = State::kIncomplete;
  SmtpReply reply_;
  std::string partial_;  // the current line, without its terminator
  std::size_t total_bytes_ = 0;
  std::string error_;
};

// Splits "2.7.0 text" into the enhanced code and the rest when `text` starts
// with a code whose class matches `code`'s first digit (RFC 3463 section 2);
// otherwise returns false and leaves the outputs untouched.
bool SplitEnhancedCode(int code, std::string_view text, std::string* enhanced, std::string* rest);

// Parses a complete reply held in `raw` ("250-a\r\n250 b\r\n"); a reply with
// code 0 when `raw` is not exactly one well-formed reply. For tests and tools.
SmtpReply ParseSmtpReply(std::string_view raw);

}  // namespace m365
