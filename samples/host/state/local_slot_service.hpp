#pragma once
// The slot service of a host whose state is its own (SQLite): the slots are
// counted in this process (docs/several-hosts.md, "Per-mailbox limits").
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "notify/host_api/slot_service.hpp"

namespace notify_host::state {

class LocalSlotService : public notify::SlotService {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `now` is the clock leases are measured with; tests drive their own.
  explicit LocalSlotService(Clock now = [] { return std::chrono::steady_clock::now(); });

  std::string TryAcquire(std::string_view name, int limit,
                         std::chrono::seconds ttl) noexcept override;
  void Release(std::string_view token) noexcept override;

  // Extends every slot held to its ttl from now. The host calls it every
  // second while it runs (StartRenewing), so a slot lapses only when nobody
  // renews it.
  void RenewHeld() noexcept;
  // Calls RenewHeld every second on a thread of its own, for the life of
  // the process.
  void StartRenewing();

  // Slots of `name` held and not lapsed (for tests).
  int Held(const std::string& name);

 private:
  struct Lease {
    std::string name;
    std::chrono::seconds ttl;
    std::chrono::steady_clock::time_point expires;
  };
  // Forgets the leases that lapsed. Needs mutex_.
  void DropLapsed(std::chrono::steady_clock::time_point now);

  Clock now_;
  std::mutex mutex_;
  std::map<std::string, Lease, std::less<>> leases_;  // token -> lease
  unsigned long long next_token_ = 0;
};

}  // namespace notify_host::state
