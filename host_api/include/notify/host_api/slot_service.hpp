#pragma once
// Slots a host shares between its plugins and with the other hosts of its
// state database (since 1.4). docs/host-api.md, "SlotService", describes the
// contract; docs/several-hosts.md, "Per-mailbox limits", why it exists.
#include <chrono>
#include <string>
#include <string_view>

namespace notify {

// The shortest time to live a SlotService accepts: a host renews its slots
// every second, and a live host's slot must outlast a few renewals that fail
// or wait (a state database that restarts).
inline constexpr std::chrono::seconds kMinSlotTtl{10};

// A counted limit by name: at most `limit` slots of one name are held at
// once, by every plugin of every host that shares the service. A plugin uses
// it for a limit a server enforces whichever host opens the connection (a
// mailbox's concurrent connections).
//
// Thread-safe: callable from any thread, concurrently. Never throws.
class SlotService {
 public:
  virtual ~SlotService() = default;

  // Takes one slot of `name` when fewer than `limit` are held; returns its
  // token, or an empty string when all are held or the service cannot tell
  // (the state database unreachable): then the caller waits and asks again,
  // it never goes over the limit. Does not wait. The slot holds until
  // Release, and while the host that gave it lives: the host renews it. A
  // slot of a host that died (or lost its database) lapses `ttl` after its
  // last renewal, so its share goes to the others. `name` is compared as
  // given (the caller chooses case and prefix); `limit` below 1 or `ttl`
  // below kMinSlotTtl gives no slot. A database that does not answer makes
  // it give up after the database's connect or lock timeout (seconds): it
  // never blocks.
  virtual std::string TryAcquire(std::string_view name, int limit,
                                 std::chrono::seconds ttl) noexcept = 0;

  // Gives the slot of `token` back, and the host stops renewing it (when the
  // database does not take the release, the host retries it, and the slot
  // lapses at its ttl at the latest). An unknown, lapsed or empty token is
  // ignored.
  virtual void Release(std::string_view token) noexcept = 0;
};

}  // namespace notify
