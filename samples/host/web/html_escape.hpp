#pragma once
// Escaping for the settings page (docs/settings-page.md, "Security"): every
// value the page shows goes through HtmlEscape, whoever wrote it (the
// administrator, a plugin, a server's reply passed on in a remedy).
#include <string>
#include <string_view>

namespace notify_host::web {

// `text` safe inside HTML text and inside a double- or single-quoted
// attribute value: & < > " ' become character references; a byte that is
// not part of valid UTF-8 becomes U+FFFD; so do DEL and a C0 control other
// than tab, line feed and carriage return (HTML forbids them).
std::string HtmlEscape(std::string_view text);

}  // namespace notify_host::web
