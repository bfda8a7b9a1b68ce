#include "state/database_slot_service.hpp"

#include <Poco/Data/Statement.h>
#include <Poco/UUIDGenerator.h>

#include <thread>
#include <utility>
#include <vector>

namespace notify_host::state {

using namespace Poco::Data::Keywords;
using Poco::Int64;

DatabaseSlotService::DatabaseSlotService(const StateDatabase& db, std::string holder,
                                         std::function<std::int64_t()> now_ms)
    : db_(db), holder_(std::move(holder)), now_ms_(std::move(now_ms)) {}

std::string DatabaseSlotService::TryAcquire(std::string_view name_view, int limit,
                                            std::chrono::seconds ttl) noexcept {
  try {
    if (limit < 1 || ttl < notify::kMinSlotTtl) return "";
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
    // A commit the host saw fail may still have stored the row: nobody knows
    // its token, nobody renews it, and it lapses at its ttl.
    if (!status.ok() || token.empty()) return "";
    std::lock_guard<std::mutex> lock(tokens_mutex_);
    held_.emplace(token, ttl_ms);
    return token;
  } catch (...) {
    return "";  // no slot: the caller asks again, never goes over the limit
  }
}

void DatabaseSlotService::Release(std::string_view token_view) noexcept {
  try {
    std::shared_lock<std::shared_mutex> open(open_);
    if (closed_) return;
    Int64 ttl_ms = 0;
    {
      std::lock_guard<std::mutex> lock(tokens_mutex_);
      auto it = held_.find(token_view);
      if (it == held_.end()) return;  // unknown, empty or released already
      ttl_ms = it->second;
      held_.erase(it);  // never renewed again, whatever the delete does
    }
    const std::string token(token_view);
    const Int64 at = now_ms_();
    notify::sdk::Status status = InWriteTransaction(db_, [&](Transaction& tx) {
      tx.session() << tx.Sql("DELETE FROM slot_leases WHERE token = ?"), bind(token), now;
    });
    if (status.ok()) return;
    // The renewer retries the delete; the row lapses ttl after its last
    // renewal at the latest (renewed before `at`, so by at + ttl_ms).
    std::lock_guard<std::mutex> lock(tokens_mutex_);
    to_release_.emplace(token, at + ttl_ms);
  } catch (...) {
    // Not renewed any more: the row lapses at its ttl.
  }
}

bool DatabaseSlotService::RenewHeld() noexcept {
  try {
    std::shared_lock<std::shared_mutex> open(open_);
    if (closed_) return false;
    const Int64 at = now_ms_();
    std::vector<std::string> releases;
    std::vector<std::string> held;
    {
      std::lock_guard<std::mutex> lock(tokens_mutex_);
      for (auto it = to_release_.begin(); it != to_release_.end();) {
        // A row past its lapse needs no delete: any host may delete it.
        if (it->second <= at) {
          it = to_release_.erase(it);
        } else {
          releases.push_back(it->first);
          ++it;
        }
      }
      for (const auto& [token, ttl_ms] : held_) held.push_back(token);
    }
    if (releases.empty() && held.empty()) return true;
    const bool ok = InWriteTransaction(db_, [&](Transaction& tx) {
                      auto& s = tx.session();
                      for (const auto& token : releases) {
                        s << tx.Sql("DELETE FROM slot_leases WHERE token = ?"), bind(token), now;
                      }
                      for (const auto& token : held) {
                        s << tx.Sql(
                            "UPDATE slot_leases SET expires_at = ? + ttl_ms "
                            "WHERE token = ? AND expires_at > ?"),
                            bind(at), bind(token), bind(at), now;
                      }
                    }).ok();
    if (ok) {
      std::lock_guard<std::mutex> lock(tokens_mutex_);
      for (const auto& token : releases) to_release_.erase(token);
    }
    return ok;
  } catch (...) {
    return false;
  }
}

void DatabaseSlotService::StartRenewing() {
  std::lock_guard<std::mutex> lock(renewing_mutex_);
  if (renewing_.joinable() || stop_) return;
  renewing_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(renewing_mutex_);
    while (!stop_renewing_.wait_for(lock, kRenewEvery, [this] { return stop_; })) {
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
  {
    std::lock_guard<std::mutex> lock(tokens_mutex_);
    held_.clear();
    to_release_.clear();
  }
  try {
    // By holder: also a row whose insert committed while this host saw an
    // error.
    (void)InWriteTransaction(db_, [&](Transaction& tx) {
      tx.session() << tx.Sql("DELETE FROM slot_leases WHERE holder = ?"), bind(holder_), now;
    });
  } catch (...) {
    // The rows lapse at their ttl.
  }
}

DatabaseSlotService::~DatabaseSlotService() { Close(); }

int DatabaseSlotService::ReleasesPending() {
  std::lock_guard<std::mutex> lock(tokens_mutex_);
  return static_cast<int>(to_release_.size());
}

}  // namespace notify_host::state
