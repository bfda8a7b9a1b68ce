#include "service/ruleset_failure.hpp"

namespace notify_host {
namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

bool IsRulesetLevel(const notify::DeliveryResult& r) {
  if (r.status != notify::DeliveryStatus::kRejected) return false;
  // No reply: the message never reached the server because no connection
  // could be had (token refused, certificate refused) - except a message the
  // channel could not build (docs/delivery.md, "Outcomes").
  if (r.code == 0) return !StartsWith(r.detail, "invalid message:");
  // Authentication refused, or not allowed to send as the mailbox
  // (docs/microsoft-365.md); 401/403 from an HTTP route.
  return r.code == 535 || r.code == 530 || r.code == 401 || r.code == 403 ||
         r.enhanced == "5.7.60" || r.enhanced == "5.2.252" || r.enhanced == "5.7.139" ||
         r.enhanced == "5.7.3";
}

std::optional<RulesetFailure> FindRulesetFailure(
    const std::vector<notify::DeliveryResult>& results) {
  for (const auto& r : results) {
    if (!IsRulesetLevel(r)) continue;
    RulesetFailure f;
    const std::string marker = " Remedy: ";
    auto at = r.detail.find(marker);
    f.cause = at == std::string::npos ? r.detail : r.detail.substr(0, at);
    f.remedy = at == std::string::npos
                   ? "Fix the ruleset's settings and save it again; its notifications wait."
                   : r.detail.substr(at + marker.size());
    if (r.code != 0) f.cause = std::to_string(r.code) + " " + r.enhanced + " " + f.cause;
    return f;
  }
  return std::nullopt;
}

}  // namespace notify_host
