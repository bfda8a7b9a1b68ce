// Exchange's checks of an XOAUTH2 login and of senders (docs/microsoft-365.md, SMTP submission).
#pragma once

#include <string>

#include "state.hpp"

namespace m365emu::detail {

struct AuthOutcome {
  bool ok = false;
  int code = 0;        // 535 on refusal
  std::string reply;   // e.g. "535 5.7.3 Authentication unsuccessful" (no bracket)
  std::string reason;  // for Stats::auth_failure_reasons
  std::string mailbox;
  std::string client_id;
  bool fail_at_data = false;  // no mailbox permission, reported at DATA
};

// `response_b64` is the base64 XOAUTH2 initial response.
AuthOutcome EvaluateXoauth2(State& state, const Config& config, const std::string& response_b64);

// Whether `mailbox` may use `address` as envelope sender / From.
bool SenderAllowed(const Config& config, const std::string& mailbox, const std::string& address);

struct MessageHeaders {
  std::size_t header_bytes = 0;
  std::string from;        // lower-case address of the From header
  std::string message_id;  // "<...>" or empty
};
MessageHeaders ParseHeaders(const std::string& raw);

}  // namespace m365emu::detail
