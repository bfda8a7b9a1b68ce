#pragma once
// The endpoints that need no state database: /healthz, /metrics, the
// channels and their forms (docs/service.md, "API").
#include <functional>

#include "plugin_loader.hpp"
#include "service/api_router.hpp"
#include "service/service_metrics.hpp"

namespace notify_host {

struct InfoRoutes {
  const LoadOutcome* plugins = nullptr;
  ServiceMetrics* metrics = nullptr;
  std::function<bool()> database_answers;              // /healthz
  std::function<ServiceMetrics::Snapshot()> snapshot;  // /metrics
};

// GET /healthz (no key: 200 {"status":"ok"} when the database answers, else
// 503), GET /metrics (no key, Prometheus text format), GET /api/v1/channels
// and GET /api/v1/channels/{id}/fields (key needed).
void AddInfoRoutes(ApiRouter& router, InfoRoutes routes);

}  // namespace notify_host
