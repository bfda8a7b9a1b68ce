// Entra ID v2.0 token endpoint (client credentials) over HTTPS, plus the
// emulator's own /_emulator/stats and /_emulator/faults.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>

#include "state.hpp"

namespace m365emu::detail {

class TokenEndpoint {
 public:
  // Listens on 127.0.0.1:0 with `context` (server certificate). Throws.
  TokenEndpoint(State& state, Poco::Net::Context::Ptr context);
  ~TokenEndpoint();
  int port() const { return port_; }
  // Aborts open connections and joins the worker threads.
  void Stop();

 private:
  State& state_;
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace m365emu::detail
