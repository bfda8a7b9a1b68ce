#pragma once
// The process-wide limit of concurrent SMTP connections per From mailbox:
// Exchange Online refuses a fourth one with 432 4.3.2 (docs/microsoft-365.md,
// Sending limits), so every sender of the process, whatever its ruleset,
// shares the slots.
#include <chrono>
#include <string>
#include <utility>

#include "notify/sdk/status.hpp"

namespace m365 {

// Exchange Online's limit of concurrent connections per mailbox.
inline constexpr int kMaxConnectionsPerMailbox = 3;

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
  // Slots of `mailbox` held in this process now (for tests and statistics).
  static int InUse(const std::string& mailbox);

  bool held() const { return !mailbox_.empty(); }
  // Gives the slot back early. Idempotent.
  void Release() noexcept;

 private:
  explicit MailboxSlot(std::string mailbox) : mailbox_(std::move(mailbox)) {}
  std::string mailbox_;  // lower case; empty when no slot is held
};

// Why a Deliver call gives up the rest of its batch when no slot of
// `mailbox` came free within `timeout` (docs/delivery.md, Batches, chunks
// and connections): kResourceExhausted with a retry after 60 s, "no free
// <what> for <mailbox> within N s (other senders of this host hold all
// <limit>)".
notify::sdk::Status NoFreeSlot(const std::string& what, const std::string& mailbox, int limit,
                               std::chrono::seconds timeout);

}  // namespace m365
