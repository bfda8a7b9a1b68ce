#pragma once
// The page's style sheet and script (samples/host/web/assets/), built into
// the program so that serve needs no files beside it.
namespace notify_host::web {

extern const char* const kPageCss;
extern const char* const kPageJs;

}  // namespace notify_host::web
