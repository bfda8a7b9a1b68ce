// Client-credentials token requests with Poco's HTTPSClientSession: a
// deadline over the whole exchange, a size limit on the answer, Poco JSON.
#include "token/token_client.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <istream>
#include <memory>

#include "net/net_deadline.hpp"
#include "net/sigpipe_block.hpp"
#include "net/tls_context.hpp"
#include "notify/sdk/settings.hpp"
#include "token/jwt_claims.hpp"

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
  if (Poco::icompare(authority_url, 0, kScheme.size(), kScheme) != 0) return false;
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
  const std::string too_slow =
      "no answer from " + where + " within " + std::to_string(timeout_.count() / 1000) + " s";
  ScopedSigpipeBlock no_sigpipe;
  TakeLastCertificateError();  // forget an earlier exchange's refusal

  std::string error;
  auto addresses = ResolveWithin(host, deadline, &error);
  if (addresses.empty()) {
    r.transport_error = error.rfind("timed out", 0) == 0 ? too_slow + " (" + error + ")" : error;
    return r;
  }
  // The sockets outlive the watchdog, which must never cut a reused descriptor.
  Poco::Net::StreamSocket plain;
  // Not default-constructed: that would make Poco's SSLManager build its
  // default client context and install a host-wide certificate handler.
  std::unique_ptr<Poco::Net::SecureStreamSocket> secure;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  DeadlineWatchdog watchdog(deadline);
  try {
    // Connected here rather than by the session, so that DNS and connect are
    // bounded and the watchdog can cut a stalled handshake or read.
    std::string connect_error = "connection to " + where + " refused";
    bool connected = false;
    for (const auto& address : addresses) {
      try {
        plain.connect(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)),
                      Remaining(deadline));
        connected = true;
        break;
      } catch (const Poco::TimeoutException&) {
        connect_error = too_slow;
      } catch (const Poco::Exception& e) {
        connect_error = "connection to " + where + " failed: " + FirstLine(e.displayText(), 200);
      }
      plain = Poco::Net::StreamSocket();
    }
    if (!connected) {
      r.transport_error = connect_error;
      return r;
    }
    watchdog.Watch(plain);
    // Poco writes the request's header and body separately; with Nagle the
    // body would wait for the ACK of the header, which the server delays.
    plain.setNoDelay(true);
    plain.setReceiveTimeout(Remaining(deadline));
    plain.setSendTimeout(Remaining(deadline));
    // The handshake checks the chain and that the certificate names `host`.
    secure = std::make_unique<Poco::Net::SecureStreamSocket>(
        Poco::Net::SecureStreamSocket::attach(plain, host, tls_));
    // A plain HTTPClientSession over the TLS socket: Poco 1.11's
    // HTTPSClientSession refuses an already connected socket (setPort throws).
    session = std::make_unique<Poco::Net::HTTPClientSession>(*secure);
    session->setKeepAlive(false);

    std::string path = "/" + request.tenant + "/oauth2/v2.0/token";
    Poco::Net::HTTPRequest http(Poco::Net::HTTPRequest::HTTP_POST, path,
                                Poco::Net::HTTPMessage::HTTP_1_1);
    http.setHost(host, static_cast<Poco::UInt16>(port));
    std::string body = FormEncode({{"grant_type", "client_credentials"},
                                   {"client_id", request.client_id},
                                   {"client_secret", request.client_secret},
                                   {"scope", request.scope}});
    http.setContentType("application/x-www-form-urlencoded");
    http.setContentLength(static_cast<std::streamsize>(body.size()));
    http.set("Accept", "application/json");
    session->sendRequest(http) << body;

    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    std::string answer;
    char chunk[4096];
    while (in) {
      in.read(chunk, sizeof(chunk));
      answer.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (answer.size() > kMaxTokenResponseBytes) {
        r.http_status = response.getStatus();
        r.transport_error = "the token endpoint's answer is larger than " +
                            std::to_string(kMaxTokenResponseBytes / 1024) + " KiB";
        return r;
      }
    }
    if (watchdog.fired()) throw Poco::TimeoutException("deadline");
    r = ParseTokenResponse(response.getStatus(), response.getContentType(), answer,
                           response.get("Retry-After", ""));
  } catch (const Poco::Net::CertificateValidationException&) {
    r.certificate_problem = true;
    r.transport_error = "the certificate of " + where + " is not issued for the name " + host;
  } catch (const Poco::Exception& e) {
    std::string text = e.displayText();
    if (watchdog.fired() || dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr) {
      r.transport_error = too_slow;
    } else if (text.find("certificate verify failed") != std::string::npos) {
      std::string why = TakeLastCertificateError();
      r.certificate_problem = true;
      r.transport_error = "the certificate of " + where + " is not trusted (" +
                          (why.empty() ? "unknown or untrusted CA, or expired" : why) + ")";
    } else if (dynamic_cast<const Poco::Net::SSLException*>(&e) != nullptr) {
      r.transport_error = "TLS with " + where + " failed: " + FirstLine(text, 200);
    } else {
      r.transport_error = "request to " + where + " failed: " + FirstLine(text, 200);
    }
  } catch (const std::exception& e) {
    r.transport_error = "request to " + where + " failed: " + FirstLine(e.what(), 200);
  }
  return r;
}

}  // namespace m365
