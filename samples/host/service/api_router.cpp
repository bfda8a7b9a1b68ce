#include "service/api_router.hpp"

#include <Poco/URI.h>

namespace notify_host {
namespace {

// "/a/b/c" -> {"a","b","c"}; false for an empty segment ("//", trailing "/").
bool Split(const std::string& path, std::vector<std::string>* out) {
  if (path.empty() || path[0] != '/') return false;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string segment = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (segment.empty()) return path.size() == 1 && out->empty();
    out->push_back(segment);
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

void ApiRouter::Add(const std::string& method, const std::string& pattern, bool needs_key,
                    ApiHandler handler) {
  Route r{method, {}, needs_key, std::move(handler)};
  Split(pattern, &r.segments);
  routes_.push_back(std::move(r));
}

ApiRouter::Match ApiRouter::Find(const std::string& method, const std::string& path) const {
  Match match;
  std::vector<std::string> segments;
  if (!Split(path, &segments)) return match;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool same = true;
    for (std::size_t i = 0; i < segments.size() && same; ++i) {
      if (route.segments[i] == "{}") {
        std::string decoded;
        try {
          Poco::URI::decode(segments[i], decoded);
        } catch (const Poco::Exception&) {
          same = false;
        }
        params.push_back(decoded);
      } else {
        same = route.segments[i] == segments[i];
      }
    }
    if (!same) continue;
    if (route.method != method) {
      match.status = 405;
      match.allowed += (match.allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    match.handler = &route.handler;
    match.needs_key = route.needs_key;
    match.params = std::move(params);
    match.status = 200;
    return match;
  }
  return match;
}

}  // namespace notify_host
