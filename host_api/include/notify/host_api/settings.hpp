#pragma once
// A channel's settings as a host stores them. Within a major version this
// type never changes (api_version.hpp).
#include <map>
#include <string>

namespace notify {

// A channel's settings as the host stores them: key -> string value. An
// empty value means the same as an absent key. Keys are the FieldDescriptor
// keys of the channel's form.
using Settings = std::map<std::string, std::string>;

}  // namespace notify
