#pragma once
// POST /api/v1/notifications and GET /api/v1/notifications/{id}
// (docs/service.md, "API" and "Outbox"). A POST stores every notification
// of the request in one transaction before it answers 202.
#include <functional>

#include "host_commands.hpp"
#include "service/api_router.hpp"
#include "service/service_metrics.hpp"

namespace notify_host {

struct NotificationRoutes {
  HostEnv* env = nullptr;  // its state database is open
  ServiceMetrics* metrics = nullptr;
  std::function<void()> queued;  // wakes the workers
};

void AddNotificationRoutes(ApiRouter& router, NotificationRoutes routes);

// A new notification id: "n" and 32 hex digits of OpenSSL randomness.
std::string NewNotificationId();

// The Message-ID of notification `id`: "<id@domain>", with the domain of
// the ruleset's from_email when it has one, else "notify-host.invalid".
std::string MessageIdFor(const std::string& id, const notify::Settings& ruleset_settings);

}  // namespace notify_host
