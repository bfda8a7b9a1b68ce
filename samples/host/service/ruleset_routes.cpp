#include "service/ruleset_routes.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <sstream>

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "report_output.hpp"
#include "ruleset_store.hpp"
#include "service/api_response.hpp"
#include "service/ruleset_save.hpp"
#include "state/ruleset_repository.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr HealthJson(const RulesetHealth& h) {
  Object::Ptr o = new Object;
  o->set("state", h.state);
  o->set("since", h.since_ms ? Poco::Dynamic::Var(h.since_ms / 1000) : Poco::Dynamic::Var());
  o->set("cause", ForJson(h.cause));
  o->set("remedy", ForJson(h.remedy));
  if (h.credential_expires_unix_s) o->set("credential_expires", h.credential_expires_unix_s);
  return o;
}

RulesetHealth HealthOf(const RulesetRoutes& r, const std::string& name) {
  if (!r.health) return {};
  auto all = r.health();
  auto it = all.find(name);
  return it == all.end() ? RulesetHealth{} : it->second;
}

std::string CheckedName(const ApiRequest& request) {
  const std::string& name = request.params[0];
  if (!IsRulesetName(name)) throw ApiError{404, "not_found", std::string(kRulesetNameRule)};
  return name;
}

// The report as `ruleset save --json` prints it, as the body.
ApiResponse ReportResponse(int status, const notify::ValidationReport& report) {
  std::ostringstream out;
  PrintReport(out, report, true);
  std::string body = out.str();
  if (!body.empty() && body.back() == '\n') body.pop_back();
  return {status, body};
}

struct PutBody {
  std::string channel;
  notify::Settings settings;
  std::string test_to;
  bool offline = false;
};

[[noreturn]] void Invalid(const std::string& field, const std::string& what) {
  throw ApiError{422, "invalid_field", field + ": " + what};
}

PutBody ParsePut(const std::string& body) {
  Poco::Dynamic::Var root;
  try {
    root = Poco::JSON::Parser().parse(body);
  } catch (const Poco::Exception& e) {
    throw ApiError{400, "malformed_json", "the body is not JSON: " + e.message()};
  }
  if (root.type() != typeid(Object::Ptr))
    Invalid("body", "must be an object {channel, settings, test_to, offline}");
  auto o = root.extract<Object::Ptr>();
  for (const auto& [key, value] : *o) {
    if (key != "channel" && key != "settings" && key != "test_to" && key != "offline")
      Invalid(key, "is not a known key (channel, settings, test_to, offline)");
  }
  PutBody put;
  if (!o->has("channel") || !o->get("channel").isString())
    Invalid("channel", "is required, a string");
  put.channel = o->get("channel").extract<std::string>();
  if (!o->has("settings") || o->get("settings").type() != typeid(Object::Ptr))
    Invalid("settings", "is required, an object of strings");
  for (const auto& [key, value] : *o->get("settings").extract<Object::Ptr>()) {
    if (!value.isString()) Invalid("settings." + key, "must be a string");
    put.settings[key] = value.extract<std::string>();
  }
  if (o->has("test_to")) {
    if (!o->get("test_to").isString()) Invalid("test_to", "must be a string");
    put.test_to = o->get("test_to").extract<std::string>();
    if (!put.test_to.empty() && !notify::sdk::IsEmailAddress(put.test_to))
      Invalid("test_to", "must be one e-mail address");
  }
  if (o->has("offline")) {
    if (!o->get("offline").isBoolean()) Invalid("offline", "must be true or false");
    put.offline = o->get("offline").extract<bool>();
  }
  return put;
}

// PUT: the checks of `ruleset save` (ruleset_save.hpp), answered as
// `ruleset save --json` prints them.
ApiResponse Put(const RulesetRoutes& r, const ApiRequest& request) {
  const std::string name = CheckedName(request);
  PutBody put = ParsePut(request.body);
  const LoadedChannel* c = FindChannel(*r.env, put.channel);
  if (!c)
    Invalid("channel", "no loaded channel '" + put.channel + "'; GET /api/v1/channels lists them");
  auto outcome = SaveRuleset(*r.env, {name, c, std::move(put.settings), put.test_to, put.offline});
  if (outcome.kind == SaveOutcome::Kind::kRefused) return ReportResponse(422, outcome.report);
  if (outcome.kind == SaveOutcome::Kind::kConflict)
    return ErrorResponse(409, "conflict",
                         "ruleset '" + name +
                             "' was changed by another save while this one was being checked; "
                             "nothing was stored. Read it and save again.");
  Poco::Logger::get("notify.service.api")
      .information("ruleset=" + name + " saved through the API (channel " + c->id + ")");
  if (r.saved) r.saved();
  return ReportResponse(200, outcome.report);
}

}  // namespace

void AddRulesetRoutes(ApiRouter& router, RulesetRoutes r) {
  router.Add("GET", "/api/v1/rulesets", true, [r](const ApiRequest&) {
    std::ostringstream db_error;
    state::StateDatabase* db = OpenState(*r.env, db_error);
    if (!db) throw std::runtime_error(db_error.str());
    std::vector<state::RulesetSummary> list;
    {
      auto tx = db->BeginRead();
      list = state::RulesetRepository(tx).List();
    }
    auto health = r.health ? r.health() : std::map<std::string, RulesetHealth>{};
    Array::Ptr out = new Array;
    for (const auto& s : list) {
      Object::Ptr o = new Object;
      o->set("name", ForJson(s.name));
      o->set("channel", ForJson(s.channel));
      o->set("health", HealthJson(health.count(s.name) ? health[s.name] : RulesetHealth{}));
      out->add(o);
    }
    return JsonResponse(200, out);
  });
  router.Add("GET", "/api/v1/rulesets/{}", true, [r](const ApiRequest& request) {
    const std::string name = CheckedName(request);
    std::ostringstream db_error;
    state::StateDatabase* db = OpenState(*r.env, db_error);
    if (!db) throw std::runtime_error(db_error.str());
    std::optional<state::StoredRuleset> ruleset;
    {
      auto tx = db->BeginRead();
      ruleset = state::RulesetRepository(tx).Find(name);
    }
    if (!ruleset) return ErrorResponse(404, "not_found", "no ruleset '" + name + "'");
    const LoadedChannel* c = FindChannel(*r.env, ruleset->channel);
    Object::Ptr settings = new Object;
    std::vector<notify::FieldDescriptor> fields;
    if (c) fields = c->channel->Fields();
    for (const auto& [k, v] : ruleset->settings) {
      bool secret = ruleset->sealed_keys.count(k) > 0 || !c;
      for (const auto& f : fields)
        if (f.key == k && f.type == notify::FieldType::kSecret) secret = true;
      settings->set(ForJson(k), ForJson(secret ? notify::sdk::MaskSecret(v) : v));
    }
    Object::Ptr o = new Object;
    o->set("name", ForJson(name));
    o->set("channel", ForJson(ruleset->channel));
    o->set("revision", ruleset->revision);
    o->set("settings", settings);
    o->set("health", HealthJson(HealthOf(r, name)));
    return JsonResponse(200, o);
  });
  router.Add("PUT", "/api/v1/rulesets/{}", true,
             [r](const ApiRequest& request) { return Put(r, request); });
  router.Add("DELETE", "/api/v1/rulesets/{}", true, [r](const ApiRequest& request) {
    const std::string name = CheckedName(request);
    std::ostringstream db_error;
    state::StateDatabase* db = OpenState(*r.env, db_error);
    if (!db) throw std::runtime_error(db_error.str());
    bool removed = false;
    {
      auto tx = db->BeginWrite();
      removed = state::RulesetRepository(tx).Remove(name);
      tx.Commit();
    }
    if (!removed) return ErrorResponse(404, "not_found", "no ruleset '" + name + "'");
    Object::Ptr o = new Object;
    o->set("deleted", ForJson(name));
    return JsonResponse(200, o);
  });
}

}  // namespace notify_host
