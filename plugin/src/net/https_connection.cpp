// HTTPS over Poco's HTTPClientSession on a socket this file connects itself,
// so that DNS, connect, handshake, write and read all end by one deadline
// (docs/security.md, Deadlines).
#include "net/https_connection.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <istream>
#include <ostream>

#include "net/tls_context.hpp"
#include "notify/sdk/settings.hpp"

namespace m365 {
namespace {

Poco::Timespan Remaining(DeadlineClock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::microseconds>(deadline - DeadlineClock::now());
  // A zero timeout means "block forever" to sockets: never hand one out.
  return Poco::Timespan(std::max<long long>(left.count(), 1000));
}

std::string FirstLine(const std::string& text, std::size_t max) {
  std::string line = text.substr(0, text.find_first_of("\r\n"));
  if (line.size() > max) line = line.substr(0, max) + "...";
  return line;
}

}  // namespace

bool SplitHttpsUrl(const std::string& url, std::string* host, int* port, std::string* path) {
  const std::string kScheme = "https://";
  if (url.size() <= kScheme.size()) return false;
  if (Poco::icompare(url, 0, kScheme.size(), kScheme) != 0) return false;
  std::string rest = url.substr(kScheme.size());
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  *path = slash == std::string::npos ? std::string() : rest.substr(slash);
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

bool ConnectWithin(const std::string& host, int port, DeadlineClock::time_point deadline,
                   const std::string& too_slow, Poco::Net::StreamSocket* socket,
                   std::string* error) {
  const std::string where = host + (port == 443 ? "" : ":" + std::to_string(port));
  std::string resolve_error;
  auto addresses = ResolveWithin(host, deadline, &resolve_error);
  if (addresses.empty()) {
    *error = resolve_error.rfind("timed out", 0) == 0 ? too_slow + " (" + resolve_error + ")"
                                                      : resolve_error;
    return false;
  }
  *error = "connection to " + where + " refused";
  for (const auto& address : addresses) {
    try {
      socket->connect(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)),
                      Remaining(deadline));
      return true;
    } catch (const Poco::TimeoutException&) {
      *error = too_slow;
    } catch (const Poco::Exception& e) {
      *error = "connection to " + where + " failed: " + FirstLine(e.displayText(), 200);
    }
    *socket = Poco::Net::StreamSocket();
  }
  return false;
}

HttpsConnection::HttpsConnection(std::string host, int port, Poco::Net::Context::Ptr tls,
                                 bool keep_alive, std::string what, const HttpsProxy& proxy)
    : host_(std::move(host)),
      port_(port),
      tls_(std::move(tls)),
      keep_alive_(keep_alive),
      what_(std::move(what)),
      where_(host_ + (port_ == 443 ? "" : ":" + std::to_string(port_))),
      proxy_error_(proxy.error),
      proxy_source_(proxy.source_name) {
  if (const ProxyEndpoint* via = proxy.For(host_)) proxy_ = *via;
}

HttpsConnection::~HttpsConnection() { Close(); }

void HttpsConnection::Close() {
  session_.reset();
  try {
    if (secure_) secure_->close();
  } catch (const Poco::Exception&) {  // closing a broken socket; nothing to report
  }
  secure_.reset();
  try {
    plain_.close();
  } catch (const Poco::Exception&) {
  }
  plain_ = Poco::Net::StreamSocket();
}

bool HttpsConnection::StillUsable() {
  // An idle keep-alive connection has nothing to read; readable means the
  // server closed it (or sent something unasked): never send on it.
  try {
    if (!plain_.poll(Poco::Timespan(0),
                     Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
      return true;
    }
  } catch (const Poco::Exception&) {
  }
  Close();
  return false;
}

bool HttpsConnection::Open(DeadlineClock::time_point deadline, const std::string& too_slow,
                           HttpsAnswer* answer) {
  std::string error;
  if (!proxy_error_.empty()) {
    // A proxy the administrator set but that cannot be used is not gone
    // around: the request fails naming it.
    answer->transport_error = proxy_error_;
    answer->proxy_failure = ProxyFailure::kUnusable;
    return false;
  }
  if (proxy_) {
    answer->proxy = proxy_->Where();
    const std::string proxy_slow = "no answer from the HTTPS proxy " + proxy_->Where() +
                                   too_slow.substr(too_slow.rfind(" within"));
    if (!ConnectWithin(proxy_->host, proxy_->port, deadline, proxy_slow, &plain_, &error)) {
      answer->transport_error =
          "cannot reach the HTTPS proxy " + proxy_->Where() + " (" + proxy_source_ + "): " + error;
      answer->proxy_failure = ProxyFailure::kUnreachable;
      return false;
    }
  } else if (!ConnectWithin(host_, port_, deadline, too_slow, &plain_, &error)) {
    answer->transport_error = error;
    return false;
  }
  ++connections_opened_;
  // Poco writes the request's header and body separately; with Nagle the
  // body would wait for the ACK of the header, which the server delays.
  plain_.setNoDelay(true);
  return true;
}

bool HttpsConnection::Tunnel(const DeadlineWatchdog& watchdog, const std::string& too_slow,
                             HttpsAnswer* answer) {
  const std::string where = proxy_->Where();
  // CONNECT always names the port (RFC 9110, authority-form).
  const std::string target = host_ + ":" + std::to_string(port_);
  try {
    Poco::Net::HTTPClientSession session(plain_);
    Poco::Net::HTTPRequest connect(Poco::Net::HTTPRequest::HTTP_CONNECT, target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    connect.set("Host", target);
    if (!proxy_->user.empty()) {
      Poco::Net::HTTPBasicCredentials(proxy_->user, proxy_->password).proxyAuthenticate(connect);
    }
    session.setKeepAlive(true);
    session.sendRequest(connect);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    // The tunnel's bytes belong to TLS from here; the session only read the
    // proxy's header (the server speaks only after the ClientHello).
    (void)session.detachSocket();
    const int status = response.getStatus();
    if (status >= 200 && status < 300) return true;
    answer->proxy_status = status;
    // 401 too: tinyproxy 1.11 answers wrong credentials to CONNECT with it.
    answer->proxy_failure = status == 407 || status == 401 ? ProxyFailure::kAuthentication
                            : status == 403                ? ProxyFailure::kForbidden
                                                           : ProxyFailure::kRefused;
    answer->transport_error = "the HTTPS proxy " + where + " refused the tunnel to " + target +
                              " (HTTP " + std::to_string(status) + " " +
                              FirstLine(response.getReason(), 100) + ")";
  } catch (const Poco::Exception& e) {
    if (watchdog.fired() || dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr) {
      answer->proxy_failure = ProxyFailure::kUnreachable;
      answer->transport_error =
          "no answer from the HTTPS proxy " + where + too_slow.substr(too_slow.rfind(" within"));
    } else {
      answer->proxy_failure = ProxyFailure::kNotHttp;
      answer->transport_error =
          "the HTTPS proxy " + where +
          " did not answer CONNECT as an HTTP proxy: " + FirstLine(e.displayText(), 200);
    }
  }
  return false;
}

HttpsAnswer HttpsConnection::Send(Poco::Net::HTTPRequest& request, const std::string& body,
                                  std::size_t max_answer_bytes, std::chrono::milliseconds timeout) {
  HttpsAnswer r;
  const auto deadline = DeadlineClock::now() + timeout;
  const std::string too_slow =
      "no answer from " + where_ + " within " + std::to_string(timeout.count() / 1000) + " s";
  TakeLastCertificateError();  // forget an earlier exchange's refusal
  if (session_ && !StillUsable()) Close();
  const bool reconnect = session_ == nullptr;
  if (proxy_) r.proxy = proxy_->Where();
  if (reconnect && !Open(deadline, too_slow, &r)) return r;
  // The socket outlives the watchdog, which must never cut a reused descriptor.
  DeadlineWatchdog watchdog(deadline, deadlines_);
  bool ok = false;
  try {
    watchdog.Watch(plain_);
    plain_.setReceiveTimeout(Remaining(deadline));
    plain_.setSendTimeout(Remaining(deadline));
    if (reconnect && proxy_ && !Tunnel(watchdog, too_slow, &r)) {
      Close();
      return r;
    }
    if (reconnect) {
      // The handshake checks the chain and that the certificate names host_
      // (through a tunnel too: the proxy only relays the bytes).
      secure_ = std::make_unique<Poco::Net::SecureStreamSocket>(
          Poco::Net::SecureStreamSocket::attach(plain_, host_, tls_));
      // Now, so that a refused handshake is known to have sent nothing.
      secure_->completeHandshake();
      session_ = std::make_unique<Poco::Net::HTTPClientSession>(*secure_);
      session_->setKeepAlive(keep_alive_);
    }
    request.setHost(host_, static_cast<Poco::UInt16>(port_));
    request.setKeepAlive(keep_alive_);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    r.request_sent = true;  // from here on the server may act on it
    std::ostream& out = session_->sendRequest(request);
    out << body;
    out.flush();

    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    std::string answer;
    char chunk[4096];
    while (in) {
      in.read(chunk, sizeof(chunk));
      answer.append(chunk, static_cast<std::size_t>(in.gcount()));
      if (answer.size() > max_answer_bytes) {
        r.transport_error =
            what_ + "'s answer is larger than " + std::to_string(max_answer_bytes / 1024) + " KiB";
        Close();
        return r;
      }
    }
    if (watchdog.fired()) throw Poco::TimeoutException("deadline");
    r.http_status = response.getStatus();
    r.content_type = response.getContentType();
    r.retry_after = response.get("Retry-After", "");
    r.body = std::move(answer);
    ok = keep_alive_ && response.getKeepAlive();
  } catch (const Poco::Net::CertificateValidationException&) {
    r.certificate_problem = true;
    r.transport_error = "the certificate of " + where_ + " is not issued for the name " + host_;
  } catch (const Poco::Exception& e) {
    std::string text = e.displayText();
    r.http_status = 0;
    if (watchdog.fired() || dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr) {
      r.transport_error = too_slow;
    } else if (text.find("certificate verify failed") != std::string::npos) {
      std::string why = TakeLastCertificateError();
      r.certificate_problem = true;
      r.transport_error = "the certificate of " + where_ + " is not trusted (" +
                          (why.empty() ? "unknown or untrusted CA, or expired" : why) + ")";
    } else if (dynamic_cast<const Poco::Net::SSLException*>(&e) != nullptr) {
      r.transport_error = "TLS with " + where_ + " failed: " + FirstLine(text, 200);
    } else {
      r.transport_error = "request to " + where_ + " failed: " + FirstLine(text, 200);
    }
  } catch (const std::exception& e) {
    r.http_status = 0;
    r.transport_error = "request to " + where_ + " failed: " + FirstLine(e.what(), 200);
  }
  // A connection the watchdog cut, that failed, or that the server closes is
  // not reused.
  if (!ok || watchdog.fired()) Close();
  return r;
}

}  // namespace m365
