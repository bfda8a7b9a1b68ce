#include "service/service_routes.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <sstream>

#include "report_output.hpp"
#include "terminal_text.hpp"

namespace notify_host {

void AddInfoRoutes(ApiRouter& router, InfoRoutes r) {
  router.Add("GET", "/healthz", false, [r](const ApiRequest&) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    bool up = r.database_answers && r.database_answers();
    o->set("status", up ? "ok" : "unavailable");
    if (!up) o->set("detail", "the state database does not answer");
    return JsonResponse(up ? 200 : 503, o);
  });
  router.Add("GET", "/metrics", false, [r](const ApiRequest&) {
    ApiResponse answer;
    answer.body = r.metrics->Render(r.snapshot ? r.snapshot() : ServiceMetrics::Snapshot{});
    answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return answer;
  });
  router.Add("GET", "/api/v1/channels", true, [r](const ApiRequest&) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& c : r.plugins->channels) {
      Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
      o->set("id", ForJson(c.id));
      o->set("display_name", ForJson(c.display_name));
      o->set("version", ForJson(c.version));
      o->set("api", std::to_string(c.api.major) + "." + std::to_string(c.api.minor));
      list->add(o);
    }
    return JsonResponse(200, list);
  });
  router.Add("GET", "/api/v1/channels/{}/fields", true, [r](const ApiRequest& request) {
    for (const auto& c : r.plugins->channels) {
      if (c.id != request.params[0]) continue;
      std::ostringstream out;
      PrintFields(out, c.channel->Fields(), true);
      std::string body = out.str();
      if (!body.empty() && body.back() == '\n') body.pop_back();
      return ApiResponse{200, body};
    }
    return ErrorResponse(
        404, "not_found",
        "no loaded channel '" + request.params[0] + "'; GET /api/v1/channels lists them");
  });
}

}  // namespace notify_host
