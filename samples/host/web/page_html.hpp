#pragma once
// The frame every settings page shares (docs/settings-page.md): the HTML
// document around a page's body, the security headers every answer
// carries, redirects. Values are escaped by the callers with HtmlEscape.
#include <string>

#include "service/api_response.hpp"

namespace notify_host::web {

// The headers of every page answer: a CSP of default-src 'self' without
// inline script or style, no framing, no sniffing, no referrer, no caching.
void AddSecurityHeaders(ApiResponse& response);

// A whole document: `title` (plain text, escaped here), a sign-out button
// when `signout_csrf` is not empty, then `body_html` (already HTML).
std::string PageDocument(const std::string& title, const std::string& signout_csrf,
                         const std::string& body_html);

// text/html answer with the security headers.
ApiResponse HtmlResponse(int status, std::string html);

// 303 See Other to `location` (a path of this site) with the security headers.
ApiResponse SeeOther(const std::string& location);

// The Set-Cookie value of the session cookie: HttpOnly, SameSite=Strict,
// Path=/, Secure when `tls`; `id` empty clears it.
std::string SessionCookie(const std::string& id, bool tls);

// The name of the session cookie.
inline constexpr const char* kSessionCookie = "nh_session";

}  // namespace notify_host::web
