#pragma once
// The process-wide limit of concurrent SMTP connections per From mailbox:
// Exchange Online refuses a fourth one with 432 4.3.2 (docs/microsoft-365.md,
// Sending limits), so every sender of the process, whatever its ruleset,
// shares the slots. When the host offers its slot service (host API 1.4,
// docs/delivery.md "Batches, chunks and connections"), a slot is also taken
// there, so the limit holds across every host sharing its state database.
#include <chrono>
#include <string>
#include <utility>

#include "notify/host_api/slot_service.hpp"
#include "notify/sdk/status.hpp"

namespace m365 {

// Exchange Online's limit of concurrent connections per mailbox.
inline constexpr int kMaxConnectionsPerMailbox = 3;
// How long a host's slot outlives a host that died holding it: 20 of the
// host's renewals (every second), well above notify::kMinSlotTtl.
inline constexpr std::chrono::seconds kHostSlotTtl{20};
static_assert(kHostSlotTtl >= notify::kMinSlotTtl);
// How soon a waiter asks the host's slot service again, doubled after each
// refusal up to kHostSlotLookAgainAtMost: a slot released on another host
// wakes no waiter here, and the waiters of several hosts must not keep the
// state database busy.
inline constexpr std::chrono::milliseconds kHostSlotLookAgain{25};
inline constexpr std::chrono::milliseconds kHostSlotLookAgainAtMost{400};

// One of the connection slots of a mailbox, held while a connection is open.
// Movable; releases its slot when destroyed.
class MailboxSlot {
 public:
  MailboxSlot() = default;
  MailboxSlot(MailboxSlot&& other) noexcept;
  MailboxSlot& operator=(MailboxSlot&& other) noexcept;
  MailboxSlot(const MailboxSlot&) = delete;
  MailboxSlot& operator=(const MailboxSlot&) = delete;
  ~MailboxSlot();

  // Waits until fewer than `limit` slots of `mailbox` (case-insensitive) are
  // held in this process, then takes one. Returns an empty slot (held() is
  // false) when none came free within `wait`. Thread-safe.
  static MailboxSlot Acquire(const std::string& mailbox, int limit, std::chrono::milliseconds wait);
  // The same, and then one of the `limit` slots `host_slots` holds for
  // `mailbox` (lower case) across hosts, asking again until `wait` ends;
  // with `host_slots` null, exactly the above.
  static MailboxSlot Acquire(notify::SlotService* host_slots, const std::string& mailbox, int limit,
                             std::chrono::milliseconds wait);
  // Slots of `mailbox` held in this process now (for tests and statistics).
  static int InUse(const std::string& mailbox);

  bool held() const { return !mailbox_.empty(); }
  // Gives the slot back early. Idempotent.
  void Release() noexcept;

 private:
  explicit MailboxSlot(std::string mailbox) : mailbox_(std::move(mailbox)) {}
  std::string mailbox_;                        // lower case; empty when no slot is held
  notify::SlotService* host_slots_ = nullptr;  // with host_token_: the host's slot
  std::string host_token_;
};

// Why a Deliver call gives up the rest of its batch when no slot of
// `mailbox` came free within `timeout` (docs/delivery.md, Batches, chunks
// and connections): kResourceExhausted with a retry after 60 s, "no free
// <what> for <mailbox> within N s (other senders of this host, or of the
// hosts sharing its state, hold all <limit>, or the host's state database
// did not answer)".
notify::sdk::Status NoFreeSlot(const std::string& what, const std::string& mailbox, int limit,
                               std::chrono::seconds timeout);

}  // namespace m365
