#pragma once
// The slot service `notify-host serve` offers its plugins (host API 1.4;
// docs/several-hosts.md, "Per-mailbox limits"): counted in this process for
// a host on its own SQLite state, in the database for hosts sharing
// PostgreSQL.
#include <string>

#include "state/database_slot_service.hpp"
#include "state/state_database.hpp"

namespace notify_host {

// Offers the slot service for `db` from construction; withdraws the offer
// and closes the database's service (its rows deleted) when it ends. End it
// after the workers stopped and before the database ends.
class OfferedSlots {
 public:
  OfferedSlots(const state::StateDatabase& db, const std::string& host_name);
  ~OfferedSlots();
  OfferedSlots(const OfferedSlots&) = delete;
  OfferedSlots& operator=(const OfferedSlots&) = delete;

 private:
  state::DatabaseSlotService* database_slots_ = nullptr;  // on PostgreSQL
};

}  // namespace notify_host
