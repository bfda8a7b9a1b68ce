#include "service/notification_routes.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>
#include <openssl/rand.h>

#include <map>

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "service/api_key.hpp"
#include "service/api_response.hpp"
#include "service/message_json.hpp"
#include "service/notification_request.hpp"
#include "state/outbox_repository.hpp"
#include "state/ruleset_repository.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::size_t kMaxIdempotencyKey = 200;

Object::Ptr Queued(const state::EnqueueOutcome& e) {
  Object::Ptr o = new Object;
  o->set("id", e.id);
  o->set("status", e.status);
  return o;
}

ApiResponse Post(const NotificationRoutes& r, const ApiRequest& request) {
  ParsedNotifications parsed = ParseNotifications(request.body);
  if (request.idempotency_key.size() > kMaxIdempotencyKey)
    throw ApiError{
        422, "invalid_field",
        "Idempotency-Key: at most " + std::to_string(kMaxIdempotencyKey) + " characters"};
  state::StateDatabase& db = *r.env->state;
  const std::string request_hash = HashApiKey(request.body);  // SHA-256 of the body
  std::vector<state::EnqueueOutcome> outcomes;
  std::size_t created = 0;
  {
    auto tx = db.BeginWrite();
    state::RulesetRepository rulesets(tx);
    state::OutboxRepository outbox(tx);
    std::map<std::string, notify::Settings> seen;
    for (std::size_t i = 0; i < parsed.items.size(); ++i) {
      const NotificationRequest& item = parsed.items[i];
      std::string prefix = parsed.was_array ? "[" + std::to_string(i) + "]." : "";
      if (!seen.count(item.ruleset)) {
        auto ruleset = rulesets.Find(item.ruleset);
        if (!ruleset)
          throw ApiError{422, "invalid_field",
                         prefix + "ruleset: no ruleset '" + item.ruleset +
                             "'; create it with PUT /api/v1/rulesets/" + item.ruleset};
        seen[item.ruleset] = ruleset->settings;
      }
      state::NewNotification n;
      n.id = NewNotificationId();
      n.ruleset = item.ruleset;
      n.message_json = MessageToJson(item.message);
      n.message_id = MessageIdFor(n.id, seen[item.ruleset]);
      if (!request.idempotency_key.empty())
        n.idempotency_key =
            request.idempotency_key + (parsed.was_array ? "#" + std::to_string(i) : "");
      n.request_hash = request_hash;
      n.now_ms = NowMs();
      auto e = outbox.Enqueue(n);
      if (e.conflict)
        throw ApiError{409, "conflict",
                       "Idempotency-Key was used before for another request; use a new key"};
      if (e.created) ++created;
      outcomes.push_back(e);
    }
    tx.Commit();
  }
  if (r.metrics && created) r.metrics->Accepted(created);
  auto& log = Poco::Logger::get("notify.service.api");
  for (std::size_t i = 0; i < outcomes.size(); ++i)
    log.debug("ruleset=" + parsed.items[i].ruleset + " notification=" + outcomes[i].id +
              (outcomes[i].created ? " queued" : " already stored (Idempotency-Key)"));
  if (created && r.queued) r.queued();
  if (!parsed.was_array) return JsonResponse(202, Queued(outcomes[0]));
  Array::Ptr list = new Array;
  for (const auto& e : outcomes) list->add(Queued(e));
  return JsonResponse(202, list);
}

ApiResponse Get(const NotificationRoutes& r, const ApiRequest& request) {
  std::optional<state::NotificationRecord> n;
  {
    auto tx = r.env->state->BeginRead();
    n = state::OutboxRepository(tx).Find(request.params[0]);
  }
  if (!n) return ErrorResponse(404, "not_found", "no notification '" + request.params[0] + "'");
  Object::Ptr o = new Object;
  o->set("id", n->id);
  o->set("ruleset", ForJson(n->ruleset));
  o->set("status", n->status);
  o->set("attempts", n->attempts);
  if (n->last_result_json) {
    o->set("last_result", Poco::JSON::Parser().parse(*n->last_result_json));
  } else {
    o->set("last_result", Poco::Dynamic::Var());
  }
  o->set("message_id", ForJson(n->message_id));
  o->set("created", n->created_at_ms / 1000);
  if (n->status == "retry_later" || n->status == "queued")
    o->set("next_attempt", n->next_attempt_at_ms / 1000);
  return JsonResponse(200, o);
}

}  // namespace

std::string NewNotificationId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("no randomness available for a notification id");
  static const char kHex[] = "0123456789abcdef";
  std::string id = "n";
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0x0F];
  }
  return id;
}

std::string MessageIdFor(const std::string& id, const notify::Settings& settings) {
  auto from = settings.find("from_email");
  std::string domain = from != settings.end() ? notify::sdk::EmailDomain(from->second) : "";
  if (domain.empty()) domain = "notify-host.invalid";
  return "<" + id + "@" + domain + ">";
}

void AddNotificationRoutes(ApiRouter& router, NotificationRoutes r) {
  router.Add("POST", "/api/v1/notifications", true,
             [r](const ApiRequest& request) { return Post(r, request); });
  router.Add("GET", "/api/v1/notifications/{}", true,
             [r](const ApiRequest& request) { return Get(r, request); });
}

}  // namespace notify_host
