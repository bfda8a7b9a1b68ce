#include "delivery/mailbox_slots.hpp"

#include <Poco/String.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
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

MailboxSlot::MailboxSlot(MailboxSlot&& other) noexcept
    : mailbox_(std::move(other.mailbox_)),
      host_slots_(std::exchange(other.host_slots_, nullptr)),
      host_token_(std::move(other.host_token_)) {
  other.mailbox_.clear();
  other.host_token_.clear();
}

MailboxSlot& MailboxSlot::operator=(MailboxSlot&& other) noexcept {
  if (this != &other) {
    Release();
    mailbox_ = std::move(other.mailbox_);
    other.mailbox_.clear();
    host_slots_ = std::exchange(other.host_slots_, nullptr);
    host_token_ = std::move(other.host_token_);
    other.host_token_.clear();
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

MailboxSlot MailboxSlot::Acquire(notify::SlotService* host_slots, const std::string& mailbox,
                                 int limit, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  MailboxSlot slot = Acquire(mailbox, limit, wait);
  if (!host_slots || !slot.held()) return slot;
  // The in-process slot first: this host's own senders wait on a condition
  // variable, and only as many as the limit ask the host's service.
  // A service that cannot reach its database answers "" too, after its own
  // timeout at most: the deadline is checked after every answer.
  std::chrono::milliseconds pause = kHostSlotLookAgain;
  for (;;) {
    std::string token = host_slots->TryAcquire(slot.mailbox_, limit, kHostSlotTtl);
    if (!token.empty()) {
      slot.host_slots_ = host_slots;
      slot.host_token_ = std::move(token);
      return slot;
    }
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return MailboxSlot();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, pause));
    pause = std::min(pause * 2, kHostSlotLookAgainAtMost);
  }
}

int MailboxSlot::InUse(const std::string& mailbox) {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  auto it = pool.in_use.find(Poco::toLower(mailbox));
  return it == pool.in_use.end() ? 0 : it->second;
}

void MailboxSlot::Release() noexcept {
  if (host_slots_) host_slots_->Release(host_token_);
  host_slots_ = nullptr;
  host_token_.clear();
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
          " s (other senders of this host, or of the hosts sharing its state, hold all " +
          std::to_string(limit) + ", or the host's state database did not answer)",
      "", std::chrono::seconds(60));
}

}  // namespace m365
