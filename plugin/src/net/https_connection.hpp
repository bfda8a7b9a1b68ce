#pragma once
// HTTPS requests with the channel's own TLS context (docs/security.md): a
// bounded DNS lookup and connect, the TLS handshake with the server's
// certificate checked for the host name, a deadline over every exchange, and
// a size limit on every answer. The token client and the Microsoft Graph
// route both send through it, so the transport's guarantees live in one place.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "net/https_proxy.hpp"
#include "net/net_deadline.hpp"

namespace m365 {

// "https://host[:port][/path]" -> host, port (443 when absent) and path ("" when
// absent, else starting with '/'); false for anything that is not https or
// has no host or a bad port.
bool SplitHttpsUrl(const std::string& url, std::string* host, int* port, std::string* path);

// A TCP connection to host:port: the name resolved within `deadline`, then
// each address tried until one accepts, each connect bounded by the deadline.
// This is the one place where the plugin opens a connection for HTTPS (to
// the server, or to the proxy HttpsConnection tunnels through). On failure returns false with
// *error set to a text naming `where` ("connection to X refused", "no answer from X within N s",
// "cannot resolve X"). `too_slow` is the text for a deadline.
bool ConnectWithin(const std::string& host, int port, DeadlineClock::time_point deadline,
                   const std::string& too_slow, Poco::Net::StreamSocket* socket,
                   std::string* error);

// What one request brought: a record of the wire. Either an HTTP answer
// (http_status != 0, transport_error empty) or none (transport_error set).
struct HttpsAnswer {
  int http_status = 0;  // 0: no complete answer was had
  std::string content_type;
  std::string retry_after;  // the Retry-After header, "" when absent
  std::string body;         // at most the caller's limit
  std::string transport_error;
  bool certificate_problem = false;  // transport_error is a TLS certificate refusal
  // The request was (maybe partly) written before the exchange failed: the
  // server may have acted on it. False when nothing left this client.
  bool request_sent = false;
  // Through an HTTPS proxy: its "host:port" ("" when direct), and why it
  // failed when the failure was the proxy's (then nothing reached the
  // server). Never the proxy's credentials.
  std::string proxy;
  ProxyFailure proxy_failure = ProxyFailure::kNone;
  int proxy_status = 0;  // the proxy's HTTP status to CONNECT when it refused
};

// The part of `answer` that concerns the proxy, for a caller that keeps its
// own record of the wire (the token client).
struct ProxyOutcome {
  std::string proxy;  // "host:port", "" when direct
  std::string source_name;
  ProxyFailure failure = ProxyFailure::kNone;
  int status = 0;
};

// One HTTPS connection to one host, kept open between requests when `keep_alive`
// and the server agrees (HTTP/1.1 keep-alive), reopened when it is not open.
// Not thread-safe: one request at a time; use one connection per worker.
class HttpsConnection {
 public:
  // `what` names the server in errors ("the token endpoint", "Microsoft Graph").
  // `proxy`: the channel's proxy decision; a connection to `host` goes
  // through proxy.For(host) as a CONNECT tunnel, TLS end to end with the
  // certificate checked for `host` (docs/channel-settings.md, HTTPS proxy).
  HttpsConnection(std::string host, int port, Poco::Net::Context::Ptr tls, bool keep_alive,
                  std::string what, const HttpsProxy& proxy = HttpsProxy());
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // Sends `request` (Host, Content-Length and Connection are set here) with
  // `body`, and reads the answer, all within `timeout` from now: connect (when
  // not open), TLS handshake, write and read. An answer longer than
  // `max_answer_bytes` is refused ("<what>'s answer is larger than N KiB").
  // Never throws Poco or std exceptions; error texts never contain the
  // request's headers or body (tokens, secrets).
  HttpsAnswer Send(Poco::Net::HTTPRequest& request, const std::string& body,
                   std::size_t max_answer_bytes, std::chrono::milliseconds timeout);

  // True while a connection is open for the next request.
  bool IsOpen() const { return session_ != nullptr; }
  // How many connections were opened so far (keep-alive reuse shows here).
  int connections_opened() const { return connections_opened_; }
  void Close();
  // "host" or "host:port" as errors name it.
  const std::string& where() const { return where_; }

 private:
  bool Open(DeadlineClock::time_point deadline, const std::string& too_slow, HttpsAnswer* answer);
  // CONNECT host_:port_ through the proxy on plain_, within the watchdog's
  // deadline; false with *answer's proxy fields set when refused.
  bool Tunnel(const DeadlineWatchdog& watchdog, const std::string& too_slow, HttpsAnswer* answer);
  // False when the open connection cannot carry another request (the server
  // closed it while idle): it is then closed.
  bool StillUsable();

  std::string host_;
  int port_;
  Poco::Net::Context::Ptr tls_;
  bool keep_alive_;
  std::string what_;
  std::string where_;
  std::optional<ProxyEndpoint> proxy_;  // the proxy for host_, when one is used
  std::string proxy_error_;             // the proxy decision cannot be used
  std::string proxy_source_;            // where the proxy came from, for errors
  Poco::Net::StreamSocket plain_;
  // Not default-constructed: that would make Poco's SSLManager build its
  // default client context and install a host-wide certificate handler.
  std::unique_ptr<Poco::Net::SecureStreamSocket> secure_;
  // A plain HTTPClientSession over the TLS socket: Poco 1.11's
  // HTTPSClientSession refuses an already connected socket (setPort throws).
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  int connections_opened_ = 0;
  // Held while this connection lives, so that the process's deadline thread
  // outlives a request (docs/architecture.md, Threads).
  std::shared_ptr<DeadlineService> deadlines_ = DeadlineService::Shared();
};

}  // namespace m365
