// Microsoft Graph over HTTPS on its own listener: sendMail, drafts, file
// attachments, upload sessions and draft send (docs/microsoft-365.md,
// Microsoft Graph sendMail).
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <memory>

#include "graph_store.hpp"
#include "state.hpp"

namespace m365emu::detail {

class GraphServer {
 public:
  // Listens on 127.0.0.1:0 with `context` (certificate for localhost). Throws.
  GraphServer(State& state, Poco::Net::Context::Ptr context);
  ~GraphServer();
  int port() const { return port_; }
  // Aborts open connections and joins the worker threads.
  void Stop();

 private:
  State& state_;
  GraphStore store_;
  Poco::ThreadPool pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace m365emu::detail
