#include "service/api_response.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "terminal_text.hpp"

namespace notify_host {

ApiResponse JsonResponse(int status, const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return {status, out.str()};
}

ApiResponse ErrorResponse(int status, const std::string& code, const std::string& message) {
  Poco::JSON::Object::Ptr error = new Poco::JSON::Object;
  error->set("code", code);
  error->set("message", ForJson(message));
  Poco::JSON::Object::Ptr root = new Poco::JSON::Object;
  root->set("error", error);
  return JsonResponse(status, root);
}

}  // namespace notify_host
