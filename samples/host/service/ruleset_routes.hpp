#pragma once
// GET/PUT/DELETE /api/v1/rulesets[/{name}] (docs/service.md, "API"). PUT
// runs the checks of `notify-host ruleset save` (the host's secret rules,
// then the channel's validation, online unless told otherwise) and answers
// with the same report as `ruleset save --json`: 200 when stored, 422 when
// not, and then nothing is stored.
#include <functional>
#include <map>

#include "host_commands.hpp"
#include "service/api_router.hpp"
#include "service/delivery_queue.hpp"

namespace notify_host {

struct RulesetRoutes {
  HostEnv* env = nullptr;                                        // channels and the state database
  std::function<std::map<std::string, RulesetHealth>()> health;  // the workers' view
  std::function<void()> saved;  // a ruleset changed: wake the workers
};

void AddRulesetRoutes(ApiRouter& router, RulesetRoutes routes);

}  // namespace notify_host
