#pragma once
// What an API handler answers (docs/service.md, "Errors"): a status and a
// JSON body, or the error shape {"error":{"code":"...","message":"..."}}.
#include <Poco/Dynamic/Var.h>

#include <string>
#include <utility>
#include <vector>

namespace notify_host {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  // More response headers (the settings page's cookies and security headers).
  std::vector<std::pair<std::string, std::string>> headers;
};

// `value` serialized as JSON with `status`.
ApiResponse JsonResponse(int status, const Poco::Dynamic::Var& value);

// {"error":{"code": code, "message": message}} with `status`. `message` is
// made valid UTF-8; it never holds a secret (callers pass none).
ApiResponse ErrorResponse(int status, const std::string& code, const std::string& message);

// A request that cannot be served as asked: the handler's answer is
// ErrorResponse(status, code, message). Thrown by request parsers and
// caught at the router, so a handler stays a straight line.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

}  // namespace notify_host
