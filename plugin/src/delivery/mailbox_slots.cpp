#include "delivery/mailbox_slots.hpp"

#include <Poco/String.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>

namespace m365 {
namespace {

struct Pool {
  std::mutex mutex;
  std::condition_variable released;
  std::map<std::string, int> in_use;  // lower-case mailbox -> slots held
};

// Never destroyed: senders on other threads may release slots during exit.
Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

MailboxSlot::MailboxSlot(MailboxSlot&& other) noexcept : mailbox_(std::move(other.mailbox_)) {
  other.mailbox_.clear();
}

MailboxSlot& MailboxSlot::operator=(MailboxSlot&& other) noexcept {
  if (this != &other) {
    Release();
    mailbox_ = std::move(other.mailbox_);
    other.mailbox_.clear();
  }
  return *this;
}

MailboxSlot::~MailboxSlot() { Release(); }

MailboxSlot MailboxSlot::Acquire(const std::string& mailbox, int limit,
                                 std::chrono::milliseconds wait) {
  std::string key = Poco::toLower(mailbox);
  if (key.empty()) key = "?";
  Pool& pool = ThePool();
  std::unique_lock<std::mutex> lock(pool.mutex);
  bool free = pool.released.wait_for(lock, wait, [&] { return pool.in_use[key] < limit; });
  if (!free) return MailboxSlot();
  ++pool.in_use[key];
  return MailboxSlot(key);
}

int MailboxSlot::InUse(const std::string& mailbox) {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  auto it = pool.in_use.find(Poco::toLower(mailbox));
  return it == pool.in_use.end() ? 0 : it->second;
}

void MailboxSlot::Release() noexcept {
  if (mailbox_.empty()) return;
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (--pool.in_use[mailbox_] <= 0) pool.in_use.erase(mailbox_);
  }
  pool.released.notify_all();
  mailbox_.clear();
}

notify::sdk::Status NoFreeSlot(const std::string& what, const std::string& mailbox, int limit,
                               std::chrono::seconds timeout) {
  return notify::sdk::Status::ResourceExhausted(
      "no free " + what + " for " + mailbox + " within " + std::to_string(timeout.count()) +
          " s (other senders of this host hold all " + std::to_string(limit) + ")",
      "", std::chrono::seconds(60));
}

}  // namespace m365
