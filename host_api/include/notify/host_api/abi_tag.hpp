#pragma once
// The ABI tag: which standard library, with which ABI, the code including this
// header is compiled against. Every type of the host API holds standard
// library types, so a host and a plugin can share them only when their tags
// are equal. The tag is computed at compile time, in the plugin (through the
// SDK's export macro) and in the host alike; the host compares the two
// strings before it calls anything in the plugin.
//
// Tags look like "libstdc++ cxx11-abi=1" or "libc++ abi=1":
//   libstdc++: _GLIBCXX_USE_CXX11_ABI chooses between the pre-C++11
//              copy-on-write std::string (and std::list) and the C++11 ones;
//              _GLIBCXX_DEBUG (debug containers) changes container layouts
//              too and is added as " debug".
//   libc++:    _LIBCPP_ABI_VERSION names its ABI generation.
// Any other library gets a tag of its own name and is matched only by the
// same library.
#include <cstddef>  // any standard header defines the library's macros

#define NOTIFY_ABI_TAG_STR2(x) #x
#define NOTIFY_ABI_TAG_STR(x) NOTIFY_ABI_TAG_STR2(x)

#if defined(_LIBCPP_VERSION)
#define NOTIFY_ABI_TAG_LIBRARY "libc++ abi=" NOTIFY_ABI_TAG_STR(_LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__)
#if _GLIBCXX_USE_CXX11_ABI
#define NOTIFY_ABI_TAG_LIBRARY "libstdc++ cxx11-abi=1"
#else
#define NOTIFY_ABI_TAG_LIBRARY "libstdc++ cxx11-abi=0"
#endif
#else
#define NOTIFY_ABI_TAG_LIBRARY "unknown-stdlib"
#endif

#if defined(__GLIBCXX__) && defined(_GLIBCXX_DEBUG)
#define NOTIFY_ABI_TAG NOTIFY_ABI_TAG_LIBRARY " debug"
#else
#define NOTIFY_ABI_TAG NOTIFY_ABI_TAG_LIBRARY
#endif

namespace notify {

// This translation unit's ABI tag, e.g. "libstdc++ cxx11-abi=1".
inline constexpr const char* kAbiTag = NOTIFY_ABI_TAG;

}  // namespace notify
