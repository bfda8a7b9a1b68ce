#pragma once
// Sessions of the settings page (docs/settings-page.md, "Signing in"), held
// in memory: a restart signs everyone out. A session is a random 256-bit id
// (the cookie) with its own random CSRF token, which every form carries.
// The sign-in form has a session too, not signed in, so even the sign-in
// POST carries a token; signing in replaces it with a new id.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace notify_host::web {

struct PageSession {
  std::string id;    // 64 hex digits; the cookie's value
  std::string csrf;  // 64 hex digits; the forms' hidden _csrf
  bool signed_in = false;
};

class PageSessions {
 public:
  struct Limits {
    std::int64_t idle_ms = 30 * 60 * 1000;       // ends after this long unused
    std::int64_t lifetime_ms = 8 * 3600 * 1000;  // ends this long after sign-in, used or not
    std::size_t max_sessions = 1000;             // the oldest goes first beyond this
  };
  // `now_ms` is the clock (injected so tests drive it).
  PageSessions(Limits limits, std::function<std::int64_t()> now_ms);

  // A new session with fresh random id and token. Throws std::runtime_error
  // when the system has no randomness to give.
  PageSession Start(bool signed_in);
  // The live session with this id (its idle time restarts), or nullopt when
  // unknown or expired.
  std::optional<PageSession> Find(const std::string& id);
  void End(const std::string& id);

 private:
  struct Entry {
    PageSession session;
    std::int64_t started_ms;
    std::int64_t used_ms;
  };
  bool Expired(const Entry& e, std::int64_t now) const;

  Limits limits_;
  std::function<std::int64_t()> now_ms_;
  std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
};

// True when the form's token `given` equals the session's (constant time).
bool CsrfMatches(const PageSession& session, const std::string& given);

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& header, const std::string& name);

// 32 random bytes from libsodium as 64 hex digits. Throws std::runtime_error
// when libsodium cannot start.
std::string RandomHex32();

}  // namespace notify_host::web
