#include "web/page_sessions.hpp"

#include <sodium.h>

#include <stdexcept>

namespace notify_host::web {

std::string RandomHex32() {
  // libsodium's generator (getrandom) keeps no per-thread state, unlike
  // OpenSSL's RAND_bytes, whose per-thread generator the listener's pooled
  // threads would leave behind at exit.
  if (sodium_init() < 0) throw std::runtime_error("no randomness for a session id (sodium_init)");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

PageSessions::PageSessions(Limits limits, std::function<std::int64_t()> now_ms)
    : limits_(limits), now_ms_(std::move(now_ms)) {}

bool PageSessions::Expired(const Entry& e, std::int64_t now) const {
  return now - e.used_ms >= limits_.idle_ms || now - e.started_ms >= limits_.lifetime_ms;
}

PageSession PageSessions::Start(bool signed_in) {
  PageSession s{RandomHex32(), RandomHex32(), signed_in};
  const std::int64_t now = now_ms_();
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = Expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  while (sessions_.size() >= limits_.max_sessions) {
    // Anonymous sign-in forms go before signed-in sessions, the oldest first.
    auto victim = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (victim == sessions_.end() ||
          std::make_pair(it->second.session.signed_in, it->second.used_ms) <
              std::make_pair(victim->second.session.signed_in, victim->second.used_ms))
        victim = it;
    }
    sessions_.erase(victim);
  }
  sessions_[s.id] = {s, now, now};
  return s;
}

std::optional<PageSession> PageSessions::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  const std::int64_t now = now_ms_();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.used_ms = now;
  return it->second.session;
}

void PageSessions::End(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(id);
}

bool CsrfMatches(const PageSession& session, const std::string& given) {
  return given.size() == session.csrf.size() && !session.csrf.empty() &&
         sodium_memcmp(given.data(), session.csrf.data(), given.size()) == 0;
}

std::string CookieValue(const std::string& header, const std::string& name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    std::size_t first = part.find_first_not_of(' ');
    if (first != std::string::npos) part.erase(0, first);
    std::size_t eq = part.find('=');
    if (eq != std::string::npos && part.compare(0, eq, name) == 0 && eq == name.size())
      return part.substr(eq + 1);
    pos = end + 1;
  }
  return "";
}

}  // namespace notify_host::web
