#include "service/api_http_server.hpp"

#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "service/api_key.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// The body, or nullopt when it is longer than `limit`.
std::optional<std::string> ReadBody(HTTPServerRequest& request, std::size_t limit) {
  if (request.hasContentLength() && request.getContentLength64() > static_cast<Poco::Int64>(limit))
    return std::nullopt;
  std::string body;
  std::istream& in = request.stream();
  char buf[16384];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    body.append(buf, static_cast<std::size_t>(in.gcount()));
    if (body.size() > limit) return std::nullopt;
  }
  return body;
}

class ApiRequestHandler : public HTTPRequestHandler {
 public:
  ApiRequestHandler(const ApiRouter& router, const ApiKeyCheck& check, std::size_t limit)
      : router_(router), check_(check), limit_(limit) {}

  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    ApiResponse answer;
    std::string path;
    try {
      path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
      path.clear();
    }
    try {
      answer = Answer(request, path);
    } catch (const ApiError& e) {
      answer = ErrorResponse(e.status, e.code, e.message);
    } catch (const std::exception& e) {
      Poco::Logger::get("notify.service.http")
          .error(request.getMethod() + " " + ForTerminal(path) + ": " + ForTerminal(e.what()));
      answer = ErrorResponse(500, "internal", "the service failed to answer; see its log");
    }
    if (answer.status == 401) response.set("WWW-Authenticate", "Bearer");
    for (const auto& [name, value] : answer.headers) response.add(name, value);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.content_type);
    response.setContentLength64(static_cast<Poco::Int64>(answer.body.size()));
    // A request whose body was refused unread leaves the connection mid-stream.
    if (answer.status == 413) response.setKeepAlive(false);
    response.send() << answer.body;
  }

 private:
  ApiResponse Answer(HTTPServerRequest& request, const std::string& path) {
    auto match = router_.Find(request.getMethod(), path);
    if (!match.handler) {
      if (match.status == 405)
        return ErrorResponse(405, "method_not_allowed",
                             request.getMethod() + " is not served here; use " + match.allowed);
      return ErrorResponse(404, "not_found", "no such endpoint: " + path);
    }
    if (match.needs_key) {
      auto token = BearerToken(request.get("Authorization", ""));
      if (!token || !check_(*token))
        return ErrorResponse(401, "unauthorized",
                             "send a valid API key as 'Authorization: Bearer <key>' (create one "
                             "with `notify-host api-key create NAME`)");
    }
    auto body = ReadBody(request, limit_);
    if (!body)
      return ErrorResponse(413, "body_too_large",
                           "the request body is larger than http.max_body_bytes (" +
                               std::to_string(limit_) + " bytes); send fewer or smaller items");
    ApiRequest api{request.getMethod(), path, std::move(match.params), std::move(*body),
                   request.get("Idempotency-Key", "")};
    api.cookie = request.get("Cookie", "");
    api.content_type = request.getContentType();
    api.query = Poco::URI(request.getURI()).getRawQuery();
    return (*match.handler)(api);
  }

  const ApiRouter& router_;
  const ApiKeyCheck& check_;
  std::size_t limit_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(const ApiRouter& router, ApiKeyCheck check, std::size_t limit)
      : router_(router), check_(std::move(check)), limit_(limit) {}
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new ApiRequestHandler(router_, check_, limit_);
  }

 private:
  const ApiRouter& router_;
  ApiKeyCheck check_;
  std::size_t limit_;
};

}  // namespace

ApiHttpServer::ApiHttpServer(const HttpSettings& settings, const ApiRouter& router,
                             ApiKeyCheck check) {
  Poco::Net::SocketAddress address(settings.address, settings.port);
  Poco::Net::ServerSocket socket;
  tls_ = !settings.tls_certificate.empty();
  if (tls_) {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, settings.tls_key,
                               settings.tls_certificate, "", Poco::Net::Context::VERIFY_NONE);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    socket = Poco::Net::SecureServerSocket(address, 64, context);
  } else {
    socket = Poco::Net::ServerSocket(address, 64);
  }
  port_ = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings.threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));  // a silent client does not hold a thread for ever
  threads_ = std::make_unique<Poco::ThreadPool>(1, std::max(1, settings.threads) + 1);
  server_ = std::make_unique<Poco::Net::HTTPServer>(
      new Factory(router, std::move(check), settings.max_body_bytes), *threads_, socket, params);
}

ApiHttpServer::~ApiHttpServer() {
  if (server_) server_->stopAll(true);
  server_.reset();
  if (threads_) threads_->joinAll();
}

void ApiHttpServer::Start() { server_->start(); }

void ApiHttpServer::Stop(long wait_ms) {
  server_->stopAll(false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (server_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server_->stopAll(true);
  threads_->joinAll();
}

}  // namespace notify_host
