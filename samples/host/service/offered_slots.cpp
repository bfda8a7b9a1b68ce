#include "service/offered_slots.hpp"

#include <mutex>
#include <vector>

#include "command_support.hpp"
#include "poco_host_context.hpp"
#include "state/local_slot_service.hpp"

namespace notify_host {

// The services are never destroyed: plugin threads may hold slots until the
// process exits, and release them then.
OfferedSlots::OfferedSlots(const state::StateDatabase& db, const std::string& host_name) {
  if (db.dialect() == state::SqlDialect::kSQLite) {
    static auto* slots = [] {  // one for the process, however often serve runs
      auto* made = new state::LocalSlotService();
      made->StartRenewing();
      return made;
    }();
    PocoHostContext::OfferSlots(slots);
    return;
  }
  database_slots_ = new state::DatabaseSlotService(db, host_name, [] { return NowMs(); });
  // Kept reachable after it is closed and no longer offered: a plugin
  // thread may still release a slot on it until the process exits.
  static std::mutex kept_mutex;
  static auto* kept = new std::vector<state::DatabaseSlotService*>();
  {
    std::lock_guard<std::mutex> lock(kept_mutex);
    kept->push_back(database_slots_);
  }
  database_slots_->StartRenewing();
  PocoHostContext::OfferSlots(database_slots_);
}

OfferedSlots::~OfferedSlots() {
  PocoHostContext::OfferSlots(nullptr);
  if (database_slots_) database_slots_->Close();
}

}  // namespace notify_host
