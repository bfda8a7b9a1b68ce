// Exchange Online SMTP submission (port 587 behaviour) on 127.0.0.1.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "state.hpp"

namespace m365emu::detail {

// Server contexts for each certificate the STARTTLS side can present.
struct SmtpContexts {
  Poco::Net::Context::Ptr good, wrong_name, expired, untrusted;
};

class SmtpServer {
 public:
  // Binds 127.0.0.1:0 and starts accepting. Throws on failure.
  SmtpServer(State& state, SmtpContexts contexts);
  ~SmtpServer();
  int port() const { return port_; }
  // Stops accepting, shuts every open connection down, joins all threads.
  void Stop();

 private:
  struct Conn {
    std::thread thread;
    int fd = -1;
    std::atomic<bool> done{false};
  };
  void AcceptLoop();
  void Reap(bool all);

  State& state_;
  SmtpContexts contexts_;
  Poco::Net::ServerSocket socket_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<std::unique_ptr<Conn>> conns_;
  std::uint64_t next_conn_ = 0;
};

// Runs one SMTP session on an accepted socket until it ends. Calls
// `unregister` once, just before it closes the socket.
void RunSmtpSession(State& state, const SmtpContexts& contexts, Poco::Net::StreamSocket socket,
                    std::uint64_t connection_number, const std::function<void()>& unregister);

}  // namespace m365emu::detail
