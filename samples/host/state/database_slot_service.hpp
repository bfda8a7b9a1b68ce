#pragma once
// The slot service of hosts that share one state database (PostgreSQL): a
// slot is a row of slot_leases, counted and taken under a lock on its name,
// that lapses when its host stops renewing it (docs/several-hosts.md,
// "Per-mailbox limits").
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "notify/host_api/slot_service.hpp"
#include "state/state_database.hpp"

namespace notify_host::state {

class DatabaseSlotService : public notify::SlotService {
 public:
  // `holder` names this host in the rows (host name and process id, as its
  // claims); `now_ms` is its clock in Unix milliseconds, as the claims'.
  DatabaseSlotService(const StateDatabase& db, std::string holder,
                      std::function<std::int64_t()> now_ms);

  // Under a lock on `name` (PostgreSQL: a transaction-scoped advisory lock,
  // so two hosts never both take the last slot; sql_dialect.hpp): deletes
  // the lapsed rows of `name`, counts the rest, and inserts one when fewer
  // than `limit`. Empty when all are held or the database failed.
  std::string TryAcquire(std::string_view name, int limit,
                         std::chrono::seconds ttl) noexcept override;
  // Deletes the row. A release the database does not take lapses at its ttl.
  void Release(std::string_view token) noexcept override;

  // Extends this host's rows that have not lapsed to their ttl from now. A
  // lapsed row is left: another host may count without it already. Returns
  // false when the database failed (the rows then lapse unless a later
  // renewal comes in time).
  bool RenewHeld() noexcept;
  // Calls RenewHeld every second on a thread of its own, until Close.
  void StartRenewing();
  // Stops renewing and deletes this host's rows (a host that stops frees
  // its slots at once); from then on TryAcquire gives nothing and Release
  // does nothing, so a plugin's slot released later (a kept connection
  // closed at exit) never reaches a database that is gone. Call it before
  // the database ends.
  void Close() noexcept;
  ~DatabaseSlotService() override;

 private:
  const StateDatabase& db_;
  const std::string holder_;
  const std::function<std::int64_t()> now_ms_;
  // Shared by every use of the database, taken whole by Close.
  std::shared_mutex open_;
  bool closed_ = false;
  std::mutex renewing_mutex_;
  std::condition_variable stop_renewing_;
  bool stop_ = false;
  std::thread renewing_;
};

}  // namespace notify_host::state
