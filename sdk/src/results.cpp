#include "notify/sdk/results.hpp"

#include <string>
#include <utility>

namespace notify::sdk {

bool HasOneResultPerMessage(const std::vector<Message>& batch,
                            const std::vector<DeliveryResult>& results) {
  if (results.size() != batch.size()) return false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (results[i].id != batch[i].id) return false;
  }
  return true;
}

std::vector<DeliveryResult> OneResultPerMessage(const std::vector<Message>& batch,
                                                std::vector<DeliveryResult> results) {
  if (HasOneResultPerMessage(batch, results)) return results;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<bool> used(results.size(), false);
  std::vector<std::size_t> chosen(batch.size(), kNone);
  // First by position: the strongest evidence that a result is a message's.
  for (std::size_t i = 0; i < batch.size() && i < results.size(); ++i) {
    if (results[i].id == batch[i].id) {
      chosen[i] = i;
      used[i] = true;
    }
  }
  // Then by id, among the results no message has taken.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (chosen[i] != kNone) continue;
    for (std::size_t j = 0; j < results.size(); ++j) {
      if (!used[j] && results[j].id == batch[i].id) {
        chosen[i] = j;
        used[j] = true;
        break;
      }
    }
  }
  std::vector<DeliveryResult> out;
  out.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (chosen[i] != kNone) {
      out.push_back(std::move(results[chosen[i]]));
      continue;
    }
    DeliveryResult missing;
    missing.id = batch[i].id;
    missing.status = DeliveryStatus::kRetryLater;
    missing.detail = std::string(kNoResultDetail) + "; outcome unknown";
    out.push_back(std::move(missing));
  }
  return out;
}

}  // namespace notify::sdk
