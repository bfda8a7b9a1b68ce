// Answers exactly as docs/microsoft-365.md, Token endpoint: JSON shapes, AADSTS codes, HTTP status,
// Cache-Control. The order of checks is [unconfirmed]: Entra does not
// document it; this order reports the most specific problem first.
#include "token_endpoint.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "client_assertion_check.hpp"
#include "util.hpp"

namespace m365emu::detail {
namespace {

using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

constexpr std::size_t kMaxRequestBody = 64 * 1024;

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

struct AadError {
  int http_status;
  std::string error;
  long code;
  std::string text;  // without the "AADSTSnnn: " prefix
};

bool IsDomainLike(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.find('.') == std::string::npos) return false;
  if (s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
}

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class TokenHandler : public Poco::Net::HTTPRequestHandler {
 public:
  TokenHandler(State& state, JtiRegister& jtis) : state_(state), jtis_(jtis) {}

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    const std::string path = req.getURI().substr(0, req.getURI().find('?'));
    if (path == "/_emulator/stats") return Plain(resp, 200, "application/json", StatsJson());
    if (path == "/_emulator/faults" && req.getMethod() == "POST") return SetFaults(req, resp);
    if (EndsWith(path, "/discovery/v2.0/keys") || EndsWith(path, "/discovery/keys"))
      return Plain(resp, 200, "application/json; charset=utf-8", state_.signer().JwksJson());

    // /{tenant}/oauth2/v2.0/token
    const std::string suffix = "/oauth2/v2.0/token";
    if (path.size() <= suffix.size() + 1 || !EndsWith(path, suffix) || path[0] != '/' ||
        path.find('/', 1) != path.size() - suffix.size()) {
      return Plain(resp, 404, "text/plain", "Not Found");
    }
    std::string tenant = path.substr(1, path.size() - suffix.size() - 1);

    state_.UpdateStats([](Stats& s) { ++s.token_requests; });
    Faults faults = state_.TakeTokenFaults();
    if (faults.token_delay_ms > 0 && !state_.SleepFor(faults.token_delay_ms)) return;
    if (faults.token_http_429_retry_after >= 0) {
      resp.set("Retry-After", std::to_string(faults.token_http_429_retry_after));
      // Throttling bodies are not always JSON (docs/microsoft-365.md, Token endpoint).
      return Plain(resp, 429, "text/plain", "Too Many Requests");
    }
    if (faults.token_http_500) {
      return SendError(resp, req,
                       {500, "temporarily_unavailable", 90033,
                        "A transient error has occurred. Please try again."});
    }
    if (faults.token_non_json_body) {
      return Plain(resp, 200, "text/html; charset=utf-8",
                   "<html><head><title>Sign in to your account</title></head>"
                   "<body>Service temporarily unavailable</body></html>");
    }
    if (faults.token_oversized_body_bytes > 0) return Oversized(resp, faults);

    std::string body;
    if (req.getMethod() == "POST") {
      std::istream& in = req.stream();
      char buf[8192];
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        body.append(buf, static_cast<std::size_t>(in.gcount()));
        if (body.size() > kMaxRequestBody) return Plain(resp, 413, "text/plain", "Too Large");
      }
    }
    auto config = state_.config();
    AadError err;
    std::string token;
    if (Evaluate(*config, req, tenant, body, &err, &token)) {
      std::ostringstream out;
      out << "{\"token_type\":\"Bearer\",\"expires_in\":" << config->token_lifetime_seconds
          << ",\"ext_expires_in\":" << config->token_lifetime_seconds
          << ",\"access_token\":" << JsonString(token) << "}";
      state_.UpdateStats([](Stats& s) {
        ++s.token_successes;
        ++s.token_http_status[200];
      });
      NoStore(resp);
      resp.set("x-ms-request-id", NewGuid());
      return Plain(resp, 200, "application/json; charset=utf-8", out.str());
    }
    SendError(resp, req, err);
  }

 private:
  static bool EndsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  }

  static void NoStore(HTTPServerResponse& resp) {
    resp.set("Cache-Control", "no-store, no-cache");
    resp.set("Pragma", "no-cache");
    resp.set("Expires", "-1");
    resp.set("X-Content-Type-Options", "nosniff");
  }

  static void Plain(HTTPServerResponse& resp, int status, const std::string& type,
                    const std::string& body) {
    resp.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
    resp.setContentType(type);
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.send() << body;
  }

  std::string StatsJson() const { return state_.stats().ToJson(); }

  void SetFaults(HTTPServerRequest& req, HTTPServerResponse& resp) {
    std::string body;
    Poco::StreamCopier::copyToString(req.stream(), body);
    try {
      state_.SetFaults(Faults::FromJson(body));
      Plain(resp, 200, "application/json", state_.faults().ToJson());
    } catch (const std::exception& e) {
      Plain(resp, 400, "text/plain", std::string(e.what()) + "\n");
    }
  }

  void Oversized(HTTPServerResponse& resp, const Faults& faults) {
    state_.UpdateStats([](Stats& s) { ++s.token_http_status[200]; });
    NoStore(resp);
    resp.setStatusAndReason(HTTPResponse::HTTP_OK);
    resp.setContentType("application/json; charset=utf-8");
    const std::size_t total = faults.token_oversized_body_bytes;
    resp.setContentLength(static_cast<std::streamsize>(total));
    std::ostream& out = resp.send();
    std::string head = "{\"token_type\":\"Bearer\",\"padding\":\"";
    std::string chunk(64 * 1024, 'A');
    std::size_t sent = 0;
    auto put = [&](const std::string& s, std::size_t n) {
      out.write(s.data(), static_cast<std::streamsize>(n));
      sent += n;
    };
    put(head, std::min(head.size(), total));
    while (sent + 2 < total && out) put(chunk, std::min(chunk.size(), total - 2 - sent));
    if (sent < total) put(std::string("\"}"), total - sent);
  }

  void SendError(HTTPServerResponse& resp, HTTPServerRequest& req, const AadError& e) {
    const std::string trace = NewGuid();
    std::string correlation = req.get("client-request-id", "");
    if (!LooksLikeGuid(correlation)) correlation = NewGuid();
    const std::string ts = AadTimestamp(NowUnix());
    const std::string code = std::to_string(e.code);
    std::string description = "AADSTS" + code + ": " + e.text + "\r\nTrace ID: " + trace +
                              "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + ts;
    std::ostringstream out;
    out << "{\"error\":" << JsonString(e.error)
        << ",\"error_description\":" << JsonString(description) << ",\"error_codes\":[" << code
        << "],\"timestamp\":" << JsonString(ts) << ",\"trace_id\":" << JsonString(trace)
        << ",\"correlation_id\":" << JsonString(correlation)
        << ",\"error_uri\":" << JsonString("https://login.microsoftonline.com/error?code=" + code)
        << "}";
    state_.UpdateStats([&](Stats& s) {
      ++s.token_http_status[e.http_status];
      ++s.token_error_codes[e.code];
    });
    NoStore(resp);
    resp.set("x-ms-request-id", trace);
    if (req.has("client-request-id")) resp.set("client-request-id", correlation);
    Plain(resp, e.http_status, "application/json; charset=utf-8", out.str());
  }

  // Returns true and the token, or false and the error to send.
  bool Evaluate(const Config& config, HTTPServerRequest& req, const std::string& tenant_in,
                const std::string& body, AadError* err, std::string* token) {
    std::string tenant = ToLower(tenant_in);
    if (req.getMethod() != "POST") {
      *err = {
          400, "invalid_request", 900561,
          "The endpoint only accepts POST requests. Received a " + req.getMethod() + " request."};
      return false;
    }
    std::map<std::string, std::string> form;
    ParseForm(body, &form);  // a malformed escape leaves fields out, as if absent
    auto field = [&](const char* k) {
      auto it = form.find(k);
      return it == form.end() ? std::string() : it->second;
    };

    if (tenant == "common" || tenant == "consumers" || tenant == "organizations") {
      // /organizations is refused the same way here [unconfirmed].
      *err = {400, "unsupported_grant_type", 9001023,
              "The grant type is not supported over the /common or /consumers endpoints. "
              "Please use the /organizations or tenant-specific endpoint."};
      return false;
    }
    if (!LooksLikeGuid(tenant) && !IsDomainLike(tenant)) {
      *err = {400, "invalid_request", 900023,
              "Specified tenant identifier '" + tenant_in +
                  "' is neither a valid DNS name, nor a valid external domain."};
      return false;
    }
    const Tenant* t = nullptr;
    for (const auto& candidate : config.tenants) {
      if (candidate.id == tenant || std::find(candidate.domains.begin(), candidate.domains.end(),
                                              tenant) != candidate.domains.end()) {
        t = &candidate;
      }
    }
    if (!t) {
      *err = {400, "invalid_tenant", 90002,
              "Tenant '" + tenant_in +
                  "' not found. Check to make sure you have the correct tenant ID and are "
                  "signing into the correct cloud. Check with your subscription administrator, "
                  "this may happen if there are no active subscriptions for the tenant."};
      return false;
    }
    const std::string grant_type = field("grant_type");
    if (grant_type.empty()) {
      *err = {400, "invalid_request", 900144,
              "The request body must contain the following parameter: 'grant_type'."};
      return false;
    }
    if (grant_type != "client_credentials") {
      *err = {400, "unsupported_grant_type", 70003,
              "The app requested an unsupported grant type '" + grant_type + "'."};
      return false;
    }
    const std::string client_id = ToLower(field("client_id"));
    if (client_id.empty()) {
      *err = {400, "invalid_request", 900144,
              "The request body must contain the following parameter: 'client_id'."};
      return false;
    }
    const App* app = nullptr;
    for (const auto& a : t->apps)
      if (a.client_id == client_id) app = &a;
    if (!app) {
      *err = {400, "unauthorized_client", 700016,
              "Application with identifier '" + field("client_id") +
                  "' was not found in the directory '" + t->domains.front() +
                  "'. This can happen if the application has not been installed by the "
                  "administrator of the tenant or consented to by any user in the tenant. You "
                  "may have sent your authentication request to the wrong tenant."};
      return false;
    }
    const std::string scope = Trim(field("scope"));
    if (scope.empty()) {
      *err = {400, "invalid_scope", 70011,
              "The provided request must include a 'scope' input parameter."};
      return false;
    }
    if (scope.find(' ') != std::string::npos) {
      *err = {400, "invalid_scope", 70011,
              "The provided value for the input parameter 'scope' is not valid. The scope " +
                  scope + " is not valid."};
      return false;
    }
    const std::string kDefault = "/.default";
    if (!EndsWith(scope, kDefault)) {
      *err = {400, "invalid_scope", 1002012,
              "The provided value for scope " + scope +
                  " is not valid. Client credential flows must have a scope value with /.default "
                  "suffixed to the resource identifier (application ID URI)."};
      return false;
    }
    const std::string resource = scope.substr(0, scope.size() - kDefault.size());

    const std::string secret = field("client_secret");
    const std::string assertion = field("client_assertion");
    if (secret.empty() && assertion.empty()) {
      *err = {401, "invalid_client", 7000218,
              "The request body must contain the following parameter: 'client_assertion' or "
              "'client_secret'."};
      return false;
    }
    const bool certificate = secret.empty();
    if (certificate) {
      if (field("client_assertion_type") != kJwtBearer) {
        *err = {400, "invalid_request", 900144,
                "The request body must contain the following parameter: "
                "'client_assertion_type' with the value '" +
                    std::string(kJwtBearer) + "'."};
        return false;
      }
      // aud must be the token URL this request was sent to.
      const std::string audience =
          "https://" + req.getHost() + req.getURI().substr(0, req.getURI().find('?'));
      AssertionVerdict verdict =
          CheckClientAssertion(assertion, *app, client_id, audience, NowUnix(), jtis_);
      if (!verdict.ok) {
        *err = {verdict.http_status, verdict.error, verdict.code, verdict.text};
        return false;
      }
    }
    const Secret* match = nullptr;
    for (const auto& s : app->secrets)
      if (!certificate && s.value == secret) match = &s;
    if (!certificate && !match) {
      // Also the answer when the secret's ID was pasted instead of its Value.
      *err = {401, "invalid_client", 7000215,
              "Invalid client secret provided. Ensure the secret being sent in the request is "
              "the client secret value, not the client secret ID, for a secret added to app '" +
                  app->client_id + "'."};
      return false;
    }
    if (match && match->expires_unix != 0 && match->expires_unix <= NowUnix()) {
      *err = {401, "invalid_client", 7000222,
              "The provided client secret keys for app '" + app->client_id +
                  "' are expired. Visit the Azure portal to create new keys for your app: "
                  "https://aka.ms/NewClientSecret, or consider using certificate credentials for "
                  "added security: https://aka.ms/certCreds."};
      return false;
    }
    const bool known_resource = (resource == config.exchange_resource && t->exchange_online) ||
                                resource == config.graph_resource;
    if (!known_resource) {
      *err = {400, "invalid_resource", 500011,
              "The resource principal named " + resource + " was not found in the tenant named " +
                  t->domains.front() +
                  ". This can happen if the application has not been installed by the "
                  "administrator of the tenant or consented to by any user in the tenant. You "
                  "might have sent your authentication request to the wrong tenant."};
      return false;
    }
    TokenClaims claims;
    claims.tenant_id = t->id;
    claims.client_id = app->client_id;
    claims.app_display_name = app->display_name;
    claims.object_id = app->service_principal_object_id;
    claims.audience = resource;
    auto roles = app->roles.find(resource);
    if (roles != app->roles.end()) claims.roles = roles->second;
    claims.issued_at = NowUnix();
    claims.expires_at = claims.issued_at + config.token_lifetime_seconds;
    claims.certificate = certificate;
    *token = state_.signer().Mint(claims);
    return true;
  }

  State& state_;
  JtiRegister& jtis_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(State& state) : state_(state) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new TokenHandler(state_, jtis_);
  }

 private:
  State& state_;
  JtiRegister jtis_;  // shared by every request of this endpoint
};

}  // namespace

TokenEndpoint::TokenEndpoint(State& state, Poco::Net::Context::Ptr context)
    : state_(state), pool_("m365emu-http", 2, 32) {
  Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
  port_ = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setTimeout(Poco::Timespan(10, 0));  // every read has a deadline
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(100);
  params->setKeepAliveTimeout(Poco::Timespan(5, 0));
  params->setMaxThreads(32);
  params->setMaxQueued(64);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), pool_, socket, params);
  server_->start();
}

TokenEndpoint::~TokenEndpoint() { Stop(); }

void TokenEndpoint::Stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stopAll(true);
  pool_.joinAll();
}

}  // namespace m365emu::detail
