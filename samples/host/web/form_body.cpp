#include "web/form_body.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>

namespace notify_host::web {
namespace {

std::string Decode(std::string text) {
  std::replace(text.begin(), text.end(), '+', ' ');
  std::string out;
  try {
    Poco::URI::decode(text, out);
  } catch (const Poco::Exception&) {
    return text;
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> ParseFormBody(const std::string& body) {
  std::map<std::string, std::string> form;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(pos, end - pos);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      if (eq == std::string::npos)
        form[Decode(pair)] = "";
      else
        form[Decode(pair.substr(0, eq))] = Decode(pair.substr(eq + 1));
    }
    pos = end + 1;
  }
  return form;
}

}  // namespace notify_host::web
