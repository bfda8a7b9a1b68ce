#include "state/local_slot_service.hpp"

#include <thread>
#include <utility>

namespace notify_host::state {

LocalSlotService::LocalSlotService(Clock now) : now_(std::move(now)) {}

void LocalSlotService::DropLapsed(std::chrono::steady_clock::time_point now) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    it = it->second.expires <= now ? leases_.erase(it) : std::next(it);
  }
}

std::string LocalSlotService::TryAcquire(std::string_view name, int limit,
                                         std::chrono::seconds ttl) noexcept {
  try {
    if (limit < 1 || ttl < notify::kMinSlotTtl) return "";
    const auto now = now_();
    std::lock_guard<std::mutex> lock(mutex_);
    DropLapsed(now);
    int held = 0;
    for (const auto& [token, lease] : leases_) held += lease.name == name ? 1 : 0;
    if (held >= limit) return "";
    std::string token = "local-" + std::to_string(++next_token_);
    leases_.emplace(token, Lease{std::string(name), ttl, now + ttl});
    return token;
  } catch (...) {
    return "";  // no memory: no slot, the caller asks again
  }
}

void LocalSlotService::Release(std::string_view token) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = leases_.find(token);
  if (it != leases_.end()) leases_.erase(it);
}

void LocalSlotService::RenewHeld() noexcept {
  const auto now = now_();
  std::lock_guard<std::mutex> lock(mutex_);
  DropLapsed(now);
  for (auto& [token, lease] : leases_) lease.expires = now + lease.ttl;
}

void LocalSlotService::StartRenewing() {
  // Detached and never stopped: the service lives as long as the process
  // (plugins may hold slots on their own threads until it exits).
  std::thread([this] {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      RenewHeld();
    }
  }).detach();
}

int LocalSlotService::Held(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  DropLapsed(now_());
  int held = 0;
  for (const auto& [token, lease] : leases_) held += lease.name == name ? 1 : 0;
  return held;
}

}  // namespace notify_host::state
