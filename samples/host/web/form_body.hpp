#pragma once
// The body of an HTML form post (application/x-www-form-urlencoded) or a
// query string, as name -> value (the last of repeated names wins).
#include <map>
#include <string>

namespace notify_host::web {

// '+' is a space, %XX a byte; a malformed escape makes the pair's text
// be taken as it is (the checks after this refuse what it means).
std::map<std::string, std::string> ParseFormBody(const std::string& body);

}  // namespace notify_host::web
