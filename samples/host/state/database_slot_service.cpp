#include "state/database_slot_service.hpp"

#include <Poco/Data/Statement.h>
#include <Poco/UUIDGenerator.h>

#include <thread>
#include <utility>

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using Poco::Int64;

DatabaseSlotService::DatabaseSlotService(const StateDatabase& db, std::string holder,
                                         std::function<std::int64_t()> now_ms)
    : db_(db), holder_(std::move(holder)), now_ms_(std::move(now_ms)) {}

std::string DatabaseSlotService::TryAcquire(std::string_view name_view, int limit,
                                            std::chrono::seconds ttl) noexcept {
  try {
    if (limit < 1 || ttl.count() <= 0) return "";
    std::shared_lock<std::shared_mutex> open(open_);
    if (closed_) return "";
    const std::string name(name_view);
    const Int64 at = now_ms_();
    const Int64 ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
    std::string token;
    notify::sdk::Status status = InWriteTransaction(db_, [&](Transaction& tx) {
      auto& s = tx.session();
      LockSlotName(s, tx.dialect(), name);
      s << tx.Sql("DELETE FROM slot_leases WHERE name = ? AND expires_at <= ?"), bind(name),
          bind(at), now;
      Int64 held = 0;
      s << tx.Sql("SELECT COUNT(*) FROM slot_leases WHERE name = ?"), into(held), bind(name), now;
      if (held >= limit) return;
      std::string made = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
      s << tx.Sql(
          "INSERT INTO slot_leases (token, name, holder, ttl_ms, expires_at) "
          "VALUES (?, ?, ?, ?, ?)"),
          bind(made), bind(name), bind(holder_), bind(ttl_ms), bind(Int64(at + ttl_ms)), now;
      token = std::move(made);
    });
    return status.ok() ? token : "";
  } catch (...) {
    return "";  // no slot: the caller asks again, never goes over the limit
  }
}

void DatabaseSlotService::Release(std::string_view token_view) noexcept {
  try {
    if (token_view.empty()) return;
    std::shared_lock<std::shared_mutex> open(open_);
    if (closed_) return;
    const std::string token(token_view);
    (void)InWriteTransaction(db_, [&](Transaction& tx) {
      tx.session() << tx.Sql("DELETE FROM slot_leases WHERE token = ? AND holder = ?"),
          bind(token), bind(holder_), now;
    });
  } catch (...) {
    // Not renewed any more: the row lapses at its ttl.
  }
}

bool DatabaseSlotService::RenewHeld() noexcept {
  try {
    std::shared_lock<std::shared_mutex> open(open_);
    if (closed_) return false;
    const Int64 at = now_ms_();
    return InWriteTransaction(db_, [&](Transaction& tx) {
             tx.session() << tx.Sql(
                 "UPDATE slot_leases SET expires_at = ? + ttl_ms "
                 "WHERE holder = ? AND expires_at > ?"),
                 bind(at), bind(holder_), bind(at), now;
           })
        .ok();
  } catch (...) {
    return false;
  }
}

void DatabaseSlotService::StartRenewing() {
  std::lock_guard<std::mutex> lock(renewing_mutex_);
  if (renewing_.joinable() || stop_) return;
  renewing_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(renewing_mutex_);
    while (!stop_renewing_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
      lock.unlock();
      (void)RenewHeld();
      lock.lock();
    }
  });
}

void DatabaseSlotService::Close() noexcept {
  {
    std::lock_guard<std::mutex> lock(renewing_mutex_);
    stop_ = true;
  }
  stop_renewing_.notify_all();
  if (renewing_.joinable() && renewing_.get_id() != std::this_thread::get_id()) renewing_.join();
  std::unique_lock<std::shared_mutex> open(open_);
  if (closed_) return;
  closed_ = true;
  try {
    (void)InWriteTransaction(db_, [&](Transaction& tx) {
      tx.session() << tx.Sql("DELETE FROM slot_leases WHERE holder = ?"), bind(holder_), now;
    });
  } catch (...) {
    // The rows lapse at their ttl.
  }
}

DatabaseSlotService::~DatabaseSlotService() { Close(); }

}  // namespace notify_host::state
