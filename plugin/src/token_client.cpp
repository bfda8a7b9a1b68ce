// Client-credentials token requests with Poco's HTTPSClientSession: a
// deadline over the whole exchange, a size limit on the answer, Poco JSON.
#include "token_client.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <istream>

#include "jwt_claims.hpp"
#include "notify/sdk/settings.hpp"

namespace m365 {
namespace {

using Clock = std::chrono::steady_clock;

Poco::Timespan Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  // A zero timeout means "block forever" to sockets: never hand one out.
  return Poco::Timespan(std::max<long long>(left.count(), 1000));
}

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
  const std::string kScheme = "https://";
  if (authority_url.size() <= kScheme.size()) return false;
  std::string scheme = authority_url.substr(0, kScheme.size());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != kScheme) return false;
  std::string rest = authority_url.substr(kScheme.size());
  std::string hostport = rest.substr(0, rest.find('/'));
  auto colon = hostport.rfind(':');
  *port = 443;
  if (colon != std::string::npos) {
    auto parsed = notify::sdk::ParseInteger(hostport.substr(colon + 1));
    if (!parsed || *parsed < 1 || *parsed > 65535) return false;
    *port = static_cast<int>(*parsed);
    hostport = hostport.substr(0, colon);
  }
  *host = hostport;
  return !host->empty();
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

TokenClient::TokenClient(Poco::Net::Context::Ptr tls, std::chrono::milliseconds timeout)
    : tls_(std::move(tls)), timeout_(timeout) {}

TokenResponse TokenClient::Request(const TokenRequest& request) const {
  TokenResponse r;
  std::string host;
  int port = 0;
  if (!SplitHttpsAuthority(request.authority_url, &host, &port)) {
    r.transport_error = "the token authority " + request.authority_url + " is not an https URL";
    return r;
  }
  const auto deadline = Clock::now() + timeout_;
  const std::string where = host + (port == 443 ? "" : ":" + std::to_string(port));
  try {
    Poco::Net::HTTPSClientSession session(host, static_cast<Poco::UInt16>(port), tls_);
    session.setKeepAlive(false);
    session.setTimeout(Remaining(deadline), Remaining(deadline), Remaining(deadline));
    std::string path = "/" + request.tenant + "/oauth2/v2.0/token";
    Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_POST, path,
                                Poco::Net::HTTPMessage::HTTP_1_1);
    std::string body = FormEncode({{"grant_type", "client_credentials"},
                                   {"client_id", request.client_id},
                                   {"client_secret", request.client_secret},
                                   {"scope", request.scope}});
    http.setContentType("application/x-www-form-urlencoded");
    http.setContentLength(static_cast<std::streamsize>(body.size()));
    http.set("Accept", "application/json");
    session.sendRequest(http) << body;

    session.socket().setReceiveTimeout(Remaining(deadline));
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string answer;
    char chunk[4096];
    while (in) {
      if (Clock::now() >= deadline) throw Poco::TimeoutException("deadline");
      session.socket().setReceiveTimeout(Remaining(deadline));
      in.read(chunk, sizeof(chunk));
      answer.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (answer.size() > kMaxTokenResponseBytes) {
        r.http_status = response.getStatus();
        r.transport_error = "the token endpoint's answer is larger than " +
                            std::to_string(kMaxTokenResponseBytes / 1024) + " KiB";
        return r;
      }
    }
    r = ParseTokenResponse(response.getStatus(), response.getContentType(), answer,
                           response.get("Retry-After", ""));
  } catch (const Poco::Net::CertificateValidationException&) {
    r.certificate_problem = true;
    r.transport_error = "the certificate of " + where + " is not issued for the name " + host;
  } catch (const Poco::Net::SSLException& e) {
    std::string text = e.displayText();
    bool verify = text.find("certificate verify failed") != std::string::npos;
    r.certificate_problem = verify;
    r.transport_error = verify ? "the certificate of " + where +
                                     " is not trusted (unknown or untrusted CA, or expired)"
                               : "TLS with " + where + " failed: " + FirstLine(text, 200);
  } catch (const Poco::TimeoutException&) {
    r.transport_error =
        "no answer from " + where + " within " + std::to_string(timeout_.count() / 1000) + " s";
  } catch (const Poco::Net::HostNotFoundException&) {
    r.transport_error = "the host name " + host + " could not be resolved";
  } catch (const Poco::Net::ConnectionRefusedException&) {
    r.transport_error = "connection to " + where + " refused";
  } catch (const Poco::Exception& e) {
    r.transport_error = "request to " + where + " failed: " + FirstLine(e.displayText(), 200);
  } catch (const std::exception& e) {
    r.transport_error = "request to " + where + " failed: " + FirstLine(e.what(), 200);
  }
  return r;
}

}  // namespace m365
