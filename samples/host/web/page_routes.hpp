#pragma once
// The settings page on the service's listener (docs/settings-page.md):
//   GET  /                  the rulesets with channel and health
//   GET  /signin, POST /signin, POST /signout
//   GET  /ruleset?name=N[&channel=C]   a ruleset's Notifications page
//   POST /ruleset           Save: the checks of PUT /api/v1/rulesets/{name}
//   POST /ruleset/test      a test message with the stored settings
//   GET  /static/page.css, /static/page.js
// Every POST carries the session's CSRF token; every page needs a signed-in
// session except the sign-in form.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "host_commands.hpp"
#include "service/api_router.hpp"
#include "service/delivery_queue.hpp"
#include "web/page_sessions.hpp"

namespace notify_host::web {

struct PageRoutes {
  HostEnv* env = nullptr;                                        // channels and the state database
  std::function<std::map<std::string, RulesetHealth>()> health;  // the workers' view
  std::function<void()> saved;           // a ruleset changed: wake the workers
  std::string password_file;             // AdminPasswordFile
  bool tls = false;                      // cookies get Secure
  std::function<std::int64_t()> now_ms;  // sessions and lockout
  PageSessions::Limits session_limits;
};

void AddPageRoutes(ApiRouter& router, PageRoutes routes);

}  // namespace notify_host::web
