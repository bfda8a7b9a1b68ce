#pragma once
// Routes API requests by method and path (docs/service.md, "API"). Paths are
// patterns of segments, "{}" standing for one segment the handler receives
// (percent-decoded) in ApiRequest::params.
#include <functional>
#include <string>
#include <vector>

#include "service/api_response.hpp"

namespace notify_host {

struct ApiRequest {
  std::string method;
  std::string path;                 // without the query
  std::vector<std::string> params;  // the "{}" segments, in order
  std::string body;                 // read whole, within the body limit
  std::string idempotency_key;      // the Idempotency-Key header, or ""
  // For the settings page (docs/settings-page.md), which signs in by cookie
  // and posts forms: the Cookie and Content-Type headers, the query string.
  std::string cookie;
  std::string content_type;
  std::string query;
};

using ApiHandler = std::function<ApiResponse(const ApiRequest&)>;

class ApiRouter {
 public:
  // Adds a route. `pattern` like "/api/v1/rulesets/{}"; `needs_key` says
  // whether the caller must present a valid API key.
  void Add(const std::string& method, const std::string& pattern, bool needs_key,
           ApiHandler handler);

  struct Match {
    const ApiHandler* handler = nullptr;  // nullptr: `status` says why (404, 405)
    bool needs_key = false;
    std::vector<std::string> params;
    int status = 404;
    std::string allowed;  // for 405: the methods this path takes, comma-separated
  };
  // The route for `method` and `path`; a path with an empty or undecodable
  // segment matches nothing.
  Match Find(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    bool needs_key;
    ApiHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace notify_host
