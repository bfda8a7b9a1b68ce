#pragma once
#include <map>
#include <string>

namespace notify {

// A channel's settings as the host stores them: key -> string value.
using Settings = std::map<std::string, std::string>;

}  // namespace notify
