#pragma once
// The service's HTTP listener: Poco's HTTPServer, plain or TLS, serving an
// ApiRouter (docs/service.md, "API"). Every request is answered within the
// router's contract: 401 without a valid key where one is needed, 404/405
// for unknown routes, 413 for a body over the limit, 500 (logged, without
// the body) for an unexpected error in a handler.
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <functional>
#include <memory>
#include <string>

#include "service/api_router.hpp"
#include "service/http_settings.hpp"

namespace notify_host {

// True when `key` is a valid API key. Must be thread-safe.
using ApiKeyCheck = std::function<bool(const std::string& key)>;

class ApiHttpServer {
 public:
  // Binds at once (so a taken port fails here, naming it); serves after Start.
  // Throws Poco::Exception when the address cannot be bound or the TLS files
  // cannot be read. `router` and `check` must outlive the server.
  ApiHttpServer(const HttpSettings& settings, const ApiRouter& router, ApiKeyCheck check);
  ~ApiHttpServer();

  void Start();
  // Stops accepting connections and waits for the requests being served to
  // finish (at most `wait_ms`, then they are cut).
  void Stop(long wait_ms);

  std::uint16_t port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  // The listener's own threads, joined at Stop: a thread that ends frees the
  // per-thread state OpenSSL gave it (the channels' checks run TLS on them),
  // where the shared default pool's threads would outlive the server.
  std::unique_ptr<Poco::ThreadPool> threads_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
};

}  // namespace notify_host
