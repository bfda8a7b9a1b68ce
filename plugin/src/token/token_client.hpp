#pragma once
// The client-credentials request to Entra ID's v2.0 token endpoint
// (docs/microsoft-365.md, Token endpoint), over HTTPS with the channel's TLS
// context.
#include <Poco/Net/Context.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "credential/client_certificate.hpp"
#include "net/https_connection.hpp"
#include "notify/sdk/status.hpp"
#include "settings/m365_config.hpp"

namespace m365 {

// One client-credentials request (docs/microsoft-365.md, Token endpoint).
struct TokenRequest {
  std::string authority_url;  // "https://login.microsoftonline.com", no slash at the end
  std::string tenant;         // GUID or domain
  std::string client_id;
  std::string client_secret;  // never logged, never in an error
  std::string scope;          // "https://outlook.office365.com/.default"
  // With a certificate credential: the certificate whose key signs a new
  // client assertion for this request (instead of client_secret), dated
  // `now` (docs/microsoft-365.md, Certificate credentials).
  std::shared_ptr<const ClientCertificate> certificate;
  std::chrono::system_clock::time_point now{};
  // Why there is no credential to send (the certificate file could not be
  // loaded); the request is then not sent.
  std::string credential_error;
};

// What the endpoint answered, parsed: a record of the wire, which
// diagnostics/DiagnoseTokenFailure turns into a Status. Exactly one of: ok (a
// token), an OAuth error (http_status != 0), or a transport error
// (http_status == 0).
struct [[nodiscard]] TokenResponse {
  bool ok = false;
  std::string access_token;  // when ok; never logged
  std::chrono::seconds expires_in{0};
  int http_status = 0;               // 0: no HTTP response was had
  std::string error;                 // OAuth `error`, e.g. "invalid_client"
  std::vector<long> error_codes;     // `error_codes`, e.g. {7000215}; branch on these only
  std::string description;           // first line of `error_description`, for display only
  std::string transport_error;       // when no usable response: what went wrong
  bool certificate_problem = false;  // transport_error is a TLS certificate refusal
  int retry_after_s = 0;             // from Retry-After on 429 / 503, 0 when absent
  // Through a proxy: which, and why it failed when the failure was its own.
  ProxyOutcome proxy;
  // With a certificate: the local time the client assertion was dated with.
  std::optional<std::chrono::system_clock::time_point> assertion_time;
};

// Largest token response read; anything longer is refused (docs/security.md,
// Untrusted input).
inline constexpr std::size_t kMaxTokenResponseBytes = 64 * 1024;

// application/x-www-form-urlencoded: every byte but ALPHA / DIGIT / "-._~"
// is percent-encoded, so secrets with + / = & % survive.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// Parses an HTTP answer of the token endpoint. `retry_after` is the header's
// value ("" when absent): delta-seconds; an HTTP date counts as 60 s.
TokenResponse ParseTokenResponse(int http_status, const std::string& content_type,
                                 const std::string& body, const std::string& retry_after);

// The request's form: grant_type, client_id, scope, and either client_secret
// or, with a certificate, client_assertion_type and a new client_assertion
// for the token URL <authority>/<tenant>/oauth2/v2.0/token dated
// request.now. Fails only when the assertion cannot be signed.
notify::sdk::StatusOr<std::string> TokenRequestBody(const TokenRequest& request);

// The request for `scope` with `config`'s app and credential, dated `now`.
TokenRequest TokenRequestFor(const M365Config& config, const std::string& scope,
                             std::chrono::system_clock::time_point now);

// "https://host[:port]" -> host and port; false for anything that is not https.
bool SplitHttpsAuthority(const std::string& authority_url, std::string* host, int* port);

// Sends token requests. Thread-safe; holds no secret itself.
class TokenClient {
 public:
  // `proxy`: the channel's proxy decision (M365Config::https_proxy); the
  // default goes direct, for tests and benchmarks only.
  TokenClient(Poco::Net::Context::Ptr tls, std::chrono::milliseconds timeout,
              HttpsProxy proxy = HttpsProxy());
  // POSTs the request and parses the answer; the whole exchange (connect,
  // send, read) ends within the timeout. Never throws; errors never contain
  // the secret.
  TokenResponse Request(const TokenRequest& request) const;

 private:
  Poco::Net::Context::Ptr tls_;
  std::chrono::milliseconds timeout_;
  HttpsProxy proxy_;
};

}  // namespace m365
