// Client-credentials token requests over net/https_connection (a deadline
// over the whole exchange, a size limit on the answer), parsed with Poco JSON.
#include "token/token_client.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "credential/client_assertion.hpp"
#include "net/https_connection.hpp"
#include "net/sigpipe_block.hpp"
#include "notify/sdk/settings.hpp"
#include "token/jwt_claims.hpp"

namespace m365 {
namespace {

std::string FirstLine(const std::string& text, std::size_t max) {
  std::string line = text.substr(0, text.find_first_of("\r\n"));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

int ParseRetryAfter(const std::string& value) {
  if (value.empty()) return 0;
  if (auto seconds = notify::sdk::ParseInteger(value)) {
    return static_cast<int>(std::clamp<long long>(*seconds, 0, 3600));
  }
  return 60;  // an HTTP date: wait a minute rather than parse clocks
}

bool IsJsonContent(const std::string& content_type, const std::string& body) {
  auto first = body.find_first_not_of(" \t\r\n");
  bool looks_json = first != std::string::npos && body[first] == '{';
  return looks_json || content_type.find("json") != std::string::npos;
}

}  // namespace

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto encode = [&](const std::string& s) {
    for (unsigned char c : s) {
      if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0x0F]);
      }
    }
  };
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out.push_back('&');
    encode(key);
    out.push_back('=');
    encode(value);
  }
  return out;
}

bool SplitHttpsAuthority(const std::string& authority_url, std::string* host, int* port) {
  std::string path;
  return SplitHttpsUrl(authority_url, host, port, &path);
}

TokenResponse ParseTokenResponse(int http_status, const std::string& content_type,
                                 const std::string& body, const std::string& retry_after) {
  TokenResponse r;
  r.http_status = http_status;
  if (http_status == 429 || http_status == 503) r.retry_after_s = ParseRetryAfter(retry_after);
  if (!IsJsonContent(content_type, body)) {
    r.transport_error = "the token endpoint answered HTTP " + std::to_string(http_status) +
                        " with a body that is not JSON" +
                        (content_type.empty() ? "" : " (" + content_type + ")");
    return r;
  }
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(body);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) throw Poco::DataException("not object");
    auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
    if (http_status == 200) {
      r.access_token = obj->optValue<std::string>("access_token", "");
      if (r.access_token.empty()) {
        r.transport_error = "the token endpoint answered HTTP 200 without an access_token";
        return r;
      }
      long long expires = 0;
      if (obj->has("expires_in")) {
        // Numbers as Microsoft sends them; digits in a string as old v1 endpoints did.
        auto v = obj->get("expires_in");
        if (v.isNumeric())
          expires = v.convert<long long>();
        else
          expires = notify::sdk::ParseInteger(v.convert<std::string>()).value_or(0);
      } else if (auto claims = DecodeJwtClaims(r.access_token); claims.ok()) {
        expires = claims->expires_unix - static_cast<long long>(std::time(nullptr));
      }
      r.expires_in = std::chrono::seconds(std::max<long long>(expires, 0));
      r.ok = true;
      return r;
    }
    r.error = obj->optValue<std::string>("error", "");
    r.description = FirstLine(obj->optValue<std::string>("error_description", ""), 300);
    if (auto codes = obj->getArray("error_codes")) {
      for (std::size_t i = 0; i < codes->size(); ++i) {
        auto v = codes->get(static_cast<unsigned int>(i));
        if (v.isNumeric()) r.error_codes.push_back(v.convert<long>());
      }
    }
  } catch (const Poco::Exception&) {
    r.access_token.clear();
    r.transport_error =
        "the token endpoint answered HTTP " + std::to_string(http_status) + " with malformed JSON";
  }
  return r;
}

notify::sdk::StatusOr<std::string> TokenRequestBody(const TokenRequest& request) {
  if (!request.credential_error.empty())
    return notify::sdk::Status::InvalidArgument(request.credential_error);
  if (!request.certificate) {
    return FormEncode({{"grant_type", "client_credentials"},
                       {"client_id", request.client_id},
                       {"client_secret", request.client_secret},
                       {"scope", request.scope}});
  }
  const std::string token_url = request.authority_url + "/" + request.tenant + "/oauth2/v2.0/token";
  auto assertion =
      MakeClientAssertion(*request.certificate, token_url, request.client_id, request.now);
  if (!assertion.ok()) return assertion.status();
  return FormEncode(
      {{"grant_type", "client_credentials"},
       {"client_id", request.client_id},
       {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
       {"client_assertion", assertion.value()},
       {"scope", request.scope}});
}

TokenRequest TokenRequestFor(const M365Config& config, const std::string& scope,
                             std::chrono::system_clock::time_point now) {
  TokenRequest request{config.authority_url, config.tenant_id, config.client_id,
                       config.certificate_credential ? std::string() : config.client_secret, scope};
  if (config.certificate_credential) {
    request.certificate = config.certificate;
    request.now = now;
    if (!config.certificate) {
      request.credential_error = config.certificate_error.empty()
                                     ? "Certificate: the certificate file could not be loaded"
                                     : config.certificate_error;
    }
  }
  return request;
}

TokenClient::TokenClient(Poco::Net::Context::Ptr tls, std::chrono::milliseconds timeout,
                         HttpsProxy proxy)
    : tls_(std::move(tls)), timeout_(timeout), proxy_(std::move(proxy)) {}

TokenResponse TokenClient::Request(const TokenRequest& request) const {
  TokenResponse r;
  std::string host;
  int port = 0;
  if (!SplitHttpsAuthority(request.authority_url, &host, &port)) {
    r.transport_error = "the token authority " + request.authority_url + " is not an https URL";
    return r;
  }
  auto form = TokenRequestBody(request);
  if (!form.ok()) {
    r.transport_error = form.status().message();
    return r;
  }
  if (request.certificate) r.assertion_time = request.now;
  ScopedSigpipeBlock no_sigpipe;
  // One connection per request: tokens are requested once an hour or so.
  HttpsConnection connection(host, port, tls_, /*keep_alive=*/false, "the token endpoint", proxy_);
  Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_POST,
                              "/" + request.tenant + "/oauth2/v2.0/token",
                              Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string& body = form.value();
  http.setContentType("application/x-www-form-urlencoded");
  http.set("Accept", "application/json");
  HttpsAnswer answer = connection.Send(http, body, kMaxTokenResponseBytes, timeout_);
  r.proxy = {answer.proxy, proxy_.source_name, answer.proxy_failure, answer.proxy_status};
  if (answer.http_status == 0) {
    r.transport_error = answer.transport_error;
    r.certificate_problem = answer.certificate_problem;
    return r;
  }
  TokenResponse parsed =
      ParseTokenResponse(answer.http_status, answer.content_type, answer.body, answer.retry_after);
  parsed.assertion_time = r.assertion_time;
  parsed.proxy = r.proxy;
  return parsed;
}

}  // namespace m365
