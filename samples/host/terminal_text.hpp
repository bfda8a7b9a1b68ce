#pragma once
// Text from outside the host (a server's reply passed on by a plugin, a
// plugin's own strings, a batch file's ids, a stored value) on its way to a
// terminal or into --json output (docs/security.md, "Output").
#include <string>
#include <string_view>

namespace notify_host {

// `text` made safe to print on a terminal, on one line: printable UTF-8 is
// kept as it is; a C0 control or DEL is shown as \xHH, with \n, \r and \t
// for those three; a C1 control (U+0080-U+009F) and the characters that
// reorder or break lines (U+200E, U+200F, U+2028, U+2029, U+202A-U+202E,
// U+2066-U+2069) as \uHHHH; a byte that is not part of valid UTF-8 as \xHH.
// So nothing printed can move the cursor, clear the screen, set a window
// title or start a line of its own. Backslashes are kept as they are.
std::string ForTerminal(std::string_view text);

// `text` as valid UTF-8 for a JSON string: each byte that is not part of
// valid UTF-8 is replaced by U+FFFD. The JSON writer escapes the controls.
std::string ForJson(std::string_view text);

}  // namespace notify_host
