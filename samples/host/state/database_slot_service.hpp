#pragma once
// The slot service of hosts that share one state database (PostgreSQL): a
// slot is a row of slot_leases, counted and taken under a lock on its name,
// that lapses when its host stops renewing it (docs/several-hosts.md,
// "Per-mailbox limits").
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "notify/host_api/slot_service.hpp"
#include "state/state_database.hpp"

namespace notify_host::state {

class DatabaseSlotService : public notify::SlotService {
 public:
  // How often StartRenewing renews: notify::kMinSlotTtl is 10 of these, so
  // a renewal that fails, or waits for a server that restarts, does not let
  // a live host's slot lapse.
  static constexpr std::chrono::seconds kRenewEvery{1};

  // `holder` names this host in the rows (host name and process id, as its
  // claims); `now_ms` is its clock in Unix milliseconds, as the claims'.
  DatabaseSlotService(const StateDatabase& db, std::string holder,
                      std::function<std::int64_t()> now_ms);

  // Under a lock on `name` (PostgreSQL: a transaction-scoped advisory lock,
  // waited for at most a few seconds, so two hosts never both take the last
  // slot; sql_dialect.hpp): deletes the lapsed rows of `name`, counts the
  // rest, and inserts one when fewer than `limit`. Empty when all are held,
  // when the database failed (after its connect timeout, or
  // StateDatabase::kConnectionWait for a free connection, at most), or when
  // `ttl` is shorter than notify::kMinSlotTtl.
  std::string TryAcquire(std::string_view name, int limit,
                         std::chrono::seconds ttl) noexcept override;
  // Stops renewing the slot and deletes its row. When the database does not
  // take the delete (it restarts), the renewer deletes it on its next rounds;
  // until then, and if that never works, the row lapses at its ttl, since
  // nobody renews it.
  void Release(std::string_view token) noexcept override;

  // One round of the renewer, in one transaction: deletes the rows of the
  // releases that failed, then extends the rows of the slots this host holds
  // (by token, never by holder: a row this host lost track of, such as one
  // whose insert committed while the host saw an error, lapses) to their ttl
  // from now. A lapsed row is left: another host may count without it
  // already. Returns false when the database failed; the next round tries
  // again.
  bool RenewHeld() noexcept;
  // Calls RenewHeld every kRenewEvery on a thread of its own, until Close.
  void StartRenewing();
  // Stops renewing and deletes this host's rows (a host that stops frees
  // its slots at once); from then on TryAcquire gives nothing and Release
  // does nothing, so a plugin's slot released later (a kept connection
  // closed at exit) never reaches a database that is gone. Call it before
  // the database ends.
  void Close() noexcept;
  ~DatabaseSlotService() override;

  // Releases the database did not take yet (for tests and statistics).
  int ReleasesPending();

 private:
  const StateDatabase& db_;
  const std::string holder_;
  const std::function<std::int64_t()> now_ms_;
  // Shared by every use of the database, taken whole by Close.
  std::shared_mutex open_;
  bool closed_ = false;
  // The slots this host holds (token -> ttl in ms), which RenewHeld renews,
  // and the releases to retry (token -> when its row lapses by itself, after
  // which there is nothing left to delete).
  std::mutex tokens_mutex_;
  std::map<std::string, std::int64_t, std::less<>> held_;
  std::map<std::string, std::int64_t, std::less<>> to_release_;
  std::mutex renewing_mutex_;
  std::condition_variable stop_renewing_;
  bool stop_ = false;
  std::thread renewing_;
};

}  // namespace notify_host::state
