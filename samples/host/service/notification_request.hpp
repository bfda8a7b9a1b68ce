#pragma once
// The body of POST /api/v1/notifications (docs/service.md, "API"): one
// notification object or an array of them.
//   {"ruleset":"ops","to":["a@x"],"cc":[],"bcc":[],"subject":"...","body":"...",
//    "html":"...","attachments":[{"name":"a.pdf","content_type":"application/pdf",
//                                 "content_base64":"..."}]}
#include <string>
#include <vector>

#include "notify/host_api/message.hpp"

namespace notify_host {

struct NotificationRequest {
  std::string ruleset;
  notify::Message message;  // id empty: the outbox gives it one
};

struct ParsedNotifications {
  std::vector<NotificationRequest> items;
  bool was_array = false;  // the answer mirrors the request: one object or an array
};

// At most this many notifications in one request.
constexpr std::size_t kMaxNotificationsPerRequest = 1000;

// Parses and checks `body`. Throws ApiError: 400 "malformed_json" when the
// body is not JSON; 422 "invalid_field" naming the first wrong field as a
// path ("to[1]", "[3].attachments[0].content_base64") and what it must be:
// a missing ruleset or subject, no recipient, a value of the wrong type (no
// conversion), an unknown key, bad base64, a ruleset name outside the rule,
// an empty array or more than kMaxNotificationsPerRequest items.
ParsedNotifications ParseNotifications(const std::string& body);

}  // namespace notify_host
