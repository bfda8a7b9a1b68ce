#include "web/page_routes.hpp"

#include <Poco/Logger.h>

#include <memory>
#include <mutex>
#include <sstream>

#include "command_support.hpp"
#include "notify/sdk/settings.hpp"
#include "ruleset_store.hpp"
#include "service/ruleset_save.hpp"
#include "state/ruleset_repository.hpp"
#include "stored_secret.hpp"
#include "terminal_text.hpp"
#include "web/admin_password.hpp"
#include "web/form_body.hpp"
#include "web/html_escape.hpp"
#include "web/page_assets.hpp"
#include "web/page_html.hpp"
#include "web/ruleset_page_html.hpp"
#include "web/sign_in_throttle.hpp"

namespace notify_host::web {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("notify.service.page"); }

struct Page {
  PageRoutes routes;
  PageSessions sessions;
  SignInThrottle throttle;
  std::mutex verify_mutex;  // one Argon2id check at a time: 64 MiB each

  explicit Page(PageRoutes r)
      : routes(std::move(r)),
        sessions(routes.session_limits, routes.now_ms),
        throttle(routes.now_ms) {}

  std::int64_t NowUnixS() const { return routes.now_ms() / 1000; }

  std::optional<PageSession> SessionOf(const ApiRequest& request) {
    return sessions.Find(CookieValue(request.cookie, kSessionCookie));
  }
  std::optional<PageSession> SignedIn(const ApiRequest& request) {
    auto s = SessionOf(request);
    if (s && s->signed_in) return s;
    return std::nullopt;
  }

  state::StateDatabase& Db() {
    std::ostringstream why;
    state::StateDatabase* db = OpenState(*routes.env, why);
    if (!db) throw std::runtime_error(why.str());
    return *db;
  }
  std::optional<state::StoredRuleset> Stored(const std::string& name) {
    auto tx = Db().BeginRead();
    return state::RulesetRepository(tx).Find(name);
  }
  RulesetHealth HealthOf(const std::string& name) {
    if (!routes.health) return {};
    auto all = routes.health();
    auto it = all.find(name);
    return it == all.end() ? RulesetHealth{} : it->second;
  }
  std::vector<ChannelChoice> Channels() const {
    std::vector<ChannelChoice> out;
    for (const auto& c : routes.env->plugins.channels) out.push_back({c.id, c.display_name});
    return out;
  }
};

ApiResponse MessagePage(int status, const std::string& title, const std::string& csrf,
                        const std::string& text) {
  return HtmlResponse(status, PageDocument(title, csrf,
                                           "<h1>" + HtmlEscape(title) +
                                               "</h1>\n<p class=\"notice\">" + HtmlEscape(text) +
                                               "</p>\n<p><a href=\"/\">Back to "
                                               "the rulesets</a></p>\n"));
}

ApiResponse SignInPage(Page& page, const ApiRequest& request, int status,
                       const std::string& message) {
  auto session = page.SessionOf(request);
  bool fresh = !session || session->signed_in;
  if (fresh) session = page.sessions.Start(false);
  std::string body = "<h1>Sign in</h1>\n";
  if (!ReadAdminPasswordHash(page.routes.password_file))
    body +=
        "<p class=\"notice\">No admin password is set yet. On the host, run "
        "<code>notify-host admin-password</code>, then sign in here.</p>\n";
  if (!message.empty())
    body += "<p class=\"issue error\" id=\"signin-error\" role=\"alert\">" + HtmlEscape(message) +
            "</p>\n";
  body +=
      "<form method=\"post\" action=\"/signin\" class=\"signin\">\n"
      "<input type=\"hidden\" name=\"_csrf\" value=\"" +
      HtmlEscape(session->csrf) +
      "\">\n<div class=\"field\"><label for=\"password\">Admin password</label>"
      "<input type=\"password\" id=\"password\" name=\"password\" "
      "autocomplete=\"current-password\" autofocus></div>\n"
      "<button type=\"submit\">Sign in</button>\n</form>\n";
  auto response = HtmlResponse(status, PageDocument("Sign in", "", body));
  if (fresh)
    response.headers.emplace_back("Set-Cookie", SessionCookie(session->id, page.routes.tls));
  return response;
}

ApiResponse SignInPost(Page& page, const ApiRequest& request) {
  auto form = ParseFormBody(request.body);
  auto session = page.SessionOf(request);
  if (!session || session->signed_in || !CsrfMatches(*session, form["_csrf"]))
    return SignInPage(page, request, 403,
                      "The sign-in form expired or did not come from this page; type the "
                      "password again.");
  if (auto wait = page.throttle.WaitMs(); wait > 0)
    return SignInPage(page, request, 429,
                      "Too many wrong passwords: sign-in is locked for " +
                          std::to_string((wait + 999) / 1000) + " more seconds.");
  auto hash = ReadAdminPasswordHash(page.routes.password_file);
  if (!hash)
    return SignInPage(page, request, 503,
                      "No admin password is set: run `notify-host admin-password` on the host.");
  bool match = false;
  {
    std::lock_guard<std::mutex> lock(page.verify_mutex);
    match = AdminPasswordMatches(form["password"], *hash);
  }
  if (!match) {
    page.throttle.Failed();
    Log().warning("settings page: a sign-in with a wrong admin password was refused");
    return SignInPage(page, request, 401, "Wrong password.");
  }
  page.throttle.Succeeded();
  // A new id at sign-in, so an id seen before it is worth nothing after.
  page.sessions.End(session->id);
  auto signed_in = page.sessions.Start(true);
  Log().information("settings page: admin signed in");
  auto response = SeeOther("/");
  response.headers.emplace_back("Set-Cookie", SessionCookie(signed_in.id, page.routes.tls));
  return response;
}

// The form's values for the channel's fields: non-empty ones only (empty is
// the default), page inputs ('_') and unknown keys left out.
notify::Settings TypedSettings(const std::vector<notify::FieldDescriptor>& fields,
                               const std::map<std::string, std::string>& form) {
  notify::Settings settings;
  for (const auto& f : fields) {
    auto it = form.find(f.key);
    if (it != form.end() && !it->second.empty()) settings[f.key] = it->second;
  }
  return settings;
}

// What the page shows of `settings`: everything but the secrets.
notify::Settings Shown(const std::vector<notify::FieldDescriptor>& fields,
                       const notify::Settings& settings) {
  notify::Settings shown = settings;
  for (const auto* f : SecretFields(fields)) shown.erase(f->key);
  return shown;
}

std::set<std::string> StoredSecrets(const std::vector<notify::FieldDescriptor>& fields,
                                    const std::optional<state::StoredRuleset>& stored,
                                    const std::string& channel) {
  std::set<std::string> keys;
  if (!stored || stored->channel != channel) return keys;
  for (const auto* f : SecretFields(fields)) {
    auto it = stored->settings.find(f->key);
    if (it != stored->settings.end() && !it->second.empty()) keys.insert(f->key);
  }
  return keys;
}

RulesetPageView BaseView(Page& page, const PageSession& session, const std::string& name,
                         const LoadedChannel& channel,
                         const std::optional<state::StoredRuleset>& stored) {
  RulesetPageView v;
  v.ruleset = name;
  v.exists = stored.has_value();
  v.channel = channel.id;
  v.channels = page.Channels();
  v.fields = channel.channel->Fields();
  v.csrf = session.csrf;
  v.stored_secrets = StoredSecrets(v.fields, stored, channel.id);
  if (stored && stored->channel == channel.id) v.values = Shown(v.fields, stored->settings);
  if (stored) v.health = page.HealthOf(name);
  return v;
}

ApiResponse RulesetPage(Page& page, const PageSession& session, const RulesetPageView& v,
                        int status) {
  return HtmlResponse(status, PageDocument("Ruleset " + v.ruleset, session.csrf,
                                           RulesetPageHtml(v, page.NowUnixS())));
}

ApiResponse RulesetGet(Page& page, const PageSession& session, const ApiRequest& request) {
  auto query = ParseFormBody(request.query);
  const std::string name = query["name"];
  if (!IsRulesetName(name))
    return MessagePage(400, "No such ruleset", session.csrf,
                       "Ruleset names are 1-64 characters of A-Z a-z 0-9 . _ -");
  auto stored = page.Stored(name);
  std::string channel_id = query["channel"];
  if (channel_id.empty() && stored) channel_id = stored->channel;
  const LoadedChannel* channel =
      channel_id.empty() ? nullptr : FindChannel(*page.routes.env, channel_id);
  if (!channel && channel_id.empty() && !page.routes.env->plugins.channels.empty())
    channel = &page.routes.env->plugins.channels.front();
  if (!channel)
    return MessagePage(404, "No such channel", session.csrf,
                       "No loaded channel '" + channel_id +
                           "'. Enable its plugin in plugins.enabled and restart the service.");
  auto view = BaseView(page, session, name, *channel, stored);
  if (stored && stored->channel != channel->id)
    view.notice = "This ruleset is stored with channel '" + stored->channel +
                  "'; Save replaces it with this channel's settings.";
  return RulesetPage(page, session, view, 200);
}

ApiResponse RulesetSavePost(Page& page, const PageSession& session, const ApiRequest& request) {
  auto form = ParseFormBody(request.body);
  const std::string name = form["_ruleset"];
  if (!IsRulesetName(name))
    return MessagePage(400, "Not saved", session.csrf,
                       "Ruleset names are 1-64 characters of A-Z a-z 0-9 . _ -");
  const LoadedChannel* channel = FindChannel(*page.routes.env, form["_channel"]);
  if (!channel)
    return MessagePage(400, "Not saved", session.csrf,
                       "No loaded channel '" + form["_channel"] + "'; nothing was stored.");
  const auto fields = channel->channel->Fields();
  notify::Settings typed = TypedSettings(fields, form);
  auto outcome = SaveRuleset(*page.routes.env, {name, channel, typed, "", false});
  auto stored = page.Stored(name);
  auto view = BaseView(page, session, name, *channel, stored);
  view.report = &outcome.report;
  if (outcome.kind == SaveOutcome::Kind::kSaved) {
    Log().information("ruleset=" + ForTerminal(name) + " saved on the settings page (channel " +
                      channel->id + ")");
    if (page.routes.saved) page.routes.saved();
    view.report_heading = "Saved: every check passed";
    view.report_passed = true;
    return RulesetPage(page, session, view, 200);
  }
  // Nothing stored: the form keeps what was typed, except the secrets.
  view.values = Shown(fields, typed);
  if (outcome.kind == SaveOutcome::Kind::kConflict) {
    view.report_heading = "Not saved: another save changed this ruleset meanwhile";
    view.notice = "Nothing was stored. Check the values below and press Save again.";
    return RulesetPage(page, session, view, 409);
  }
  view.report_heading = "Not saved: fix what is marked below; nothing was stored";
  return RulesetPage(page, session, view, 422);
}

ApiResponse RulesetTestPost(Page& page, const PageSession& session, const ApiRequest& request) {
  auto form = ParseFormBody(request.body);
  const std::string name = form["_ruleset"];
  auto stored = IsRulesetName(name) ? page.Stored(name) : std::nullopt;
  if (!stored)
    return MessagePage(404, "No such ruleset", session.csrf,
                       "Save the ruleset before sending a test message.");
  const LoadedChannel* channel = FindChannel(*page.routes.env, stored->channel);
  if (!channel)
    return MessagePage(409, "Channel not loaded", session.csrf,
                       "This ruleset's channel '" + stored->channel + "' is not loaded.");
  auto view = BaseView(page, session, name, *channel, stored);
  const std::string to = form["_test_to"];
  view.test_to = to;
  notify::ValidationReport report;
  if (!notify::sdk::IsEmailAddress(to)) {
    report.issues.push_back({"_test_to", notify::Severity::kError,
                             "Send a test message: '" + to + "' is not one e-mail address",
                             "Type one address, such as you@example.com."});
    view.report = &report;
    view.report_heading = "Test message not sent";
    return RulesetPage(page, session, view, 422);
  }
  notify::ValidationOptions options;
  options.mode = notify::ValidationMode::kOnline;
  options.test_recipient = to;
  report = channel->channel->Validate(stored->settings, options);
  view.report = &report;
  view.report_passed = report.ok();
  view.report_heading = report.ok() ? "Test message sent to " + to : "Test message not sent";
  Log().information("ruleset=" + ForTerminal(name) +
                    " test message from the settings page: " + (report.ok() ? "sent" : "not sent"));
  return RulesetPage(page, session, view, report.ok() ? 200 : 422);
}

ApiResponse Asset(const char* text, const char* type) {
  ApiResponse r{200, text, type, {}};
  AddSecurityHeaders(r);
  return r;
}

}  // namespace

void AddPageRoutes(ApiRouter& router, PageRoutes routes) {
  auto page = std::make_shared<Page>(std::move(routes));
  // A page behind the sign-in: the signed-in session, or a redirect to it.
  auto signed_in = [page](auto handler) {
    return [page, handler](const ApiRequest& request) {
      auto session = page->SignedIn(request);
      if (!session) return SeeOther("/signin");
      return handler(*session, request);
    };
  };
  // A state-changing request: signed in and carrying the session's token.
  auto guarded = [page](auto handler) {
    return [page, handler](const ApiRequest& request) {
      auto session = page->SignedIn(request);
      if (!session) return SeeOther("/signin");
      if (!CsrfMatches(*session, ParseFormBody(request.body)["_csrf"]))
        return MessagePage(403, "Refused", session->csrf,
                           "This form did not come from this page (its security token is "
                           "missing or old); nothing was changed. Reload the page and try again.");
      return handler(*session, request);
    };
  };
  router.Add("GET", "/", false, signed_in([page](const PageSession& s, const ApiRequest&) {
               std::vector<RulesetRow> rows;
               {
                 auto tx = page->Db().BeginRead();
                 for (const auto& r : state::RulesetRepository(tx).List())
                   rows.push_back({r.name, r.channel, {}});
               }
               auto health = page->routes.health ? page->routes.health()
                                                 : std::map<std::string, RulesetHealth>{};
               for (auto& row : rows)
                 if (health.count(row.name)) row.health = health[row.name];
               return HtmlResponse(
                   200, PageDocument("Rulesets", s.csrf,
                                     RulesetListHtml(rows, page->Channels(), page->NowUnixS())));
             }));
  router.Add("GET", "/signin", false, [page](const ApiRequest& request) {
    if (page->SignedIn(request)) return SeeOther("/");
    return SignInPage(*page, request, 200, "");
  });
  router.Add("POST", "/signin", false,
             [page](const ApiRequest& request) { return SignInPost(*page, request); });
  router.Add("POST", "/signout", false, guarded([page](const PageSession& s, const ApiRequest&) {
               page->sessions.End(s.id);
               Log().information("settings page: admin signed out");
               auto response = SeeOther("/signin");
               response.headers.emplace_back("Set-Cookie", SessionCookie("", page->routes.tls));
               return response;
             }));
  router.Add("GET", "/ruleset", false, signed_in([page](const PageSession& s, const ApiRequest& r) {
               return RulesetGet(*page, s, r);
             }));
  router.Add("POST", "/ruleset", false, guarded([page](const PageSession& s, const ApiRequest& r) {
               return RulesetSavePost(*page, s, r);
             }));
  router.Add("POST", "/ruleset/test", false,
             guarded([page](const PageSession& s, const ApiRequest& r) {
               return RulesetTestPost(*page, s, r);
             }));
  router.Add("GET", "/static/page.css", false,
             [](const ApiRequest&) { return Asset(kPageCss, "text/css; charset=utf-8"); });
  router.Add("GET", "/static/page.js", false,
             [](const ApiRequest&) { return Asset(kPageJs, "text/javascript; charset=utf-8"); });
}

}  // namespace notify_host::web
