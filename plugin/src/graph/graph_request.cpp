// sendMail request parts: the user path and the base64 body.
#include "graph/graph_request.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/URI.h>

#include <sstream>

namespace m365 {

std::string GraphUserPath(const std::string& base_path, const std::string& mailbox,
                          const std::string& tail) {
  std::string user;
  // Everything but unreserved characters and '@' is encoded: the mailbox is
  // one path segment.
  Poco::URI::encode(mailbox, "/?#%+&=:;,$[]'()!*\"<> ", user);
  return base_path + "/v1.0/users/" + user + "/" + tail;
}

std::string SendMailBody(const std::string& mime) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // one line: Graph reads the body as one base64 string
  encoder << mime;
  encoder.close();
  return out.str();
}

}  // namespace m365
