#include "delivery/kept_connections.hpp"

#include <Poco/String.h>

#include <iterator>
#include <system_error>
#include <utility>

#include "common/shared_while_held.hpp"

namespace m365 {
namespace {

// How often the reaper looks for connections past their idle time. Idle
// times are seconds long; a connection closes at most this much late.
constexpr std::chrono::seconds kReapEvery{1};

}  // namespace

std::shared_ptr<ConnectionKeeper> ConnectionKeeper::Shared() {
  return SharedWhileHeld<ConnectionKeeper>();
}

ConnectionKeeper::ConnectionKeeper() = default;

ConnectionKeeper::~ConnectionKeeper() {
  std::list<Entry> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    left.swap(entries_);
  }
  wake_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  CloseEntries(left, true);
}

void ConnectionKeeper::Keep(const void* owner, std::unique_ptr<KeptConnection> connection,
                            MailboxSlot slot, const std::string& mailbox, Clock& clock,
                            std::chrono::milliseconds idle) {
  if (!connection) return;
  Entry entry;
  entry.owner = owner;
  entry.mailbox = Poco::toLower(mailbox);
  entry.connection = std::move(connection);
  entry.slot = std::move(slot);
  entry.clock = &clock;
  entry.expires = clock.Now() + idle;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = entries_.empty();
    entries_.push_back(std::move(entry));
    if (!reaper_.joinable() && !stopping_) {
      try {
        reaper_ = std::thread([this] { Reap(); });
      } catch (const std::system_error&) {
        // No reaper: idle connections are still closed when their sender
        // next looks for one, or when it goes.
      }
    }
  }
  // Only a reaper asleep on an empty keeper needs waking; one that looks
  // every second finds this connection then. Waking it on every Keep was a
  // context switch per Deliver call on a warm sender (docs/delivery.md,
  // Connections kept between calls).
  if (first) wake_.notify_all();
}

ConnectionKeeper::Taken ConnectionKeeper::Take(const void* owner) {
  std::list<Entry> expired, dead;
  Taken taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Newest first: the connection used last is the least likely to have
    // been closed by the server.
    // `next` stays in entries_ while the ones before it move out.
    for (auto next = entries_.end(); next != entries_.begin();) {
      auto here = std::prev(next);
      if (here->owner != owner) {
        next = here;
      } else if (here->clock->Now() >= here->expires) {
        expired.splice(expired.begin(), entries_, here);
      } else if (!here->connection->LooksAlive()) {
        dead.splice(dead.begin(), entries_, here);
      } else {
        taken.connection = std::move(here->connection);
        taken.slot = std::move(here->slot);
        entries_.erase(here);
        break;
      }
    }
  }
  CloseEntries(expired, true);
  CloseEntries(dead, false);
  return taken;
}

std::size_t ConnectionKeeper::CloseExpired() {
  std::list<Entry> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto here = it++;
      if (here->clock->Now() >= here->expires) expired.splice(expired.end(), entries_, here);
    }
  }
  std::size_t n = expired.size();
  CloseEntries(expired, true);
  return n;
}

bool ConnectionKeeper::CloseOneIdle(const std::string& mailbox) {
  const std::string key = Poco::toLower(mailbox);
  std::list<Entry> victim;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->mailbox == key) {
        victim.splice(victim.end(), entries_, it);
        break;
      }
    }
  }
  if (victim.empty()) return false;
  CloseEntries(victim, true);
  return true;
}

void ConnectionKeeper::CloseAll(const void* owner) {
  std::list<Entry> mine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto here = it++;
      if (here->owner == owner) mine.splice(mine.end(), entries_, here);
    }
  }
  CloseEntries(mine, true);
}

std::size_t ConnectionKeeper::CountFor(const void* owner) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const Entry& e : entries_) n += e.owner == owner ? 1 : 0;
  return n;
}

void ConnectionKeeper::Reap() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    // Asleep while nothing is kept: an idle process does not wake up.
    if (entries_.empty()) {
      wake_.wait(lock, [&] { return stopping_ || !entries_.empty(); });
      continue;
    }
    wake_.wait_for(lock, kReapEvery, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    CloseExpired();
    lock.lock();
  }
}

// Each connection is closed before its slot is given back, so that the
// server never counts more connections than the slots allow.
void ConnectionKeeper::CloseEntries(std::list<Entry>& entries, bool politely) noexcept {
  for (Entry& e : entries) {
    e.connection->Close(politely);
    e.connection.reset();
    e.slot.Release();
  }
  entries.clear();
}

}  // namespace m365
