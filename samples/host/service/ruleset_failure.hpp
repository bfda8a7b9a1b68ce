#pragma once
// Tells a ruleset's failure from a message's (docs/service.md, "Health"). A
// token refused, a 535 after the channel's own token refresh, a 403, a
// send-as refusal: no message of the ruleset can go until an administrator
// changes the ruleset, so its notifications wait instead of being rejected
// one by one. A bad address or a message too large concerns that message
// only.
#include <optional>
#include <string>
#include <vector>

#include "notify/host_api/delivery.hpp"

namespace notify_host {

struct RulesetFailure {
  std::string cause;   // the channel's detail, without its remedy
  std::string remedy;  // the channel's remedy, or a general one
};

// The ruleset-level failure among `results` (the first one), or nullopt
// when every rejection concerns its own message only.
std::optional<RulesetFailure> FindRulesetFailure(
    const std::vector<notify::DeliveryResult>& results);

// True when `result` is a rejection that concerns the ruleset, not the message.
bool IsRulesetLevel(const notify::DeliveryResult& result);

}  // namespace notify_host
