#include "smtp/smtp_reply.hpp"

namespace m365 {

std::string SmtpReply::ToString() const {
  if (code == 0) return "no reply";
  std::string out = std::to_string(code);
  if (!enhanced.empty()) out += " " + enhanced;
  if (!text.empty()) out += " " + text;
  return out;
}

}  // namespace m365
