#include "web/page_html.hpp"

#include "web/html_escape.hpp"

namespace notify_host::web {

void AddSecurityHeaders(ApiResponse& response) {
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-store");
}

std::string PageDocument(const std::string& title, const std::string& signout_csrf,
                         const std::string& body_html) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      HtmlEscape(title) +
      " - notify-host</title>\n"
      "<link rel=\"stylesheet\" href=\"/static/page.css\">\n"
      "<script src=\"/static/page.js\" defer></script>\n</head>\n<body>\n"
      "<header class=\"top\"><a class=\"home\" href=\"/\">notify-host settings</a>";
  if (!signout_csrf.empty())
    html +=
        "<form method=\"post\" action=\"/signout\" class=\"signout\">"
        "<input type=\"hidden\" name=\"_csrf\" value=\"" +
        HtmlEscape(signout_csrf) + "\"><button type=\"submit\">Sign out</button></form>";
  html += "</header>\n<main>\n" + body_html + "</main>\n</body>\n</html>\n";
  return html;
}

ApiResponse HtmlResponse(int status, std::string html) {
  ApiResponse r{status, std::move(html), "text/html; charset=utf-8", {}};
  AddSecurityHeaders(r);
  return r;
}

ApiResponse SeeOther(const std::string& location) {
  ApiResponse r{303, "", "text/plain; charset=utf-8", {}};
  r.headers.emplace_back("Location", location);
  AddSecurityHeaders(r);
  return r;
}

std::string SessionCookie(const std::string& id, bool tls) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict";
  if (id.empty()) cookie += "; Max-Age=0";
  if (tls) cookie += "; Secure";
  return cookie;
}

}  // namespace notify_host::web
