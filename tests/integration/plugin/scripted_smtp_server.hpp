#pragma once
// A one-connection server that plays a test's script with the client: the
// smallest peer that can answer in ways the emulator never does (a reply
// held back, replies cut into records and segments at will). Plain text, or
// implicit TLS with the emulator's certificate.
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace m365::testing {

class ScriptedServer {
 public:
  using Script = std::function<void(ScriptedServer&)>;
  // Plain text on a loopback port of its own.
  explicit ScriptedServer(Script script) : server_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    Start(std::move(script));
  }
  // Implicit TLS with `cert` and `key`: every Send is one TLS record.
  ScriptedServer(const std::string& cert, const std::string& key, Script script)
      : context_(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key, cert, "",
                                        Poco::Net::Context::VERIFY_NONE)) {
    Poco::Net::SecureServerSocket secure(context_);
    secure.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    secure.listen();
    server_ = secure;
    Start(std::move(script));
  }
  ~ScriptedServer() { Join(); }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return server_.address().port(); }
  // Whether the script threw (the client closed early, a read timed out).
  bool failed() const { return failed_; }

  void Send(const std::string& text) {
    peer_.sendBytes(text.data(), static_cast<int>(text.size()));
  }
  // Sends `texts` (with TLS, one record each) in one TCP segment.
  void SendInOneSegment(const std::vector<std::string>& texts) {
    SetCork(true);
    for (const auto& t : texts) Send(t);
    SetCork(false);  // the held bytes leave together
  }
  // Reads until `marker` has arrived; returns all read so far (and keeps
  // nothing): the client must have sent it without waiting for a reply.
  std::string ReadUntil(const std::string& marker) {
    while (input_.find(marker) == std::string::npos) {
      char chunk[4096];
      int n = peer_.receiveBytes(chunk, sizeof(chunk));
      if (n <= 0) throw std::runtime_error("closed");
      input_.append(chunk, static_cast<std::size_t>(n));
    }
    std::string all;
    all.swap(input_);
    return all;
  }
  // Keeps the connection open, sending nothing, until the client closes it.
  void WaitForClientClose() {
    try {
      char chunk[256];
      while (peer_.receiveBytes(chunk, sizeof(chunk)) > 0) {
      }
    } catch (...) {
    }
  }
  void Close() { peer_.close(); }
  // What the script saw, for the test to check after Join().
  std::vector<std::string> seen;

 private:
  void Start(Script script) {
    thread_ = std::thread([this, script = std::move(script)] {
      try {
        peer_ = server_.acceptConnection();
        peer_.setReceiveTimeout(Poco::Timespan(5, 0));
        script(*this);
      } catch (...) {
        failed_ = true;
      }
    });
  }
  void SetCork(bool on) {
    int v = on ? 1 : 0;
    ::setsockopt(peer_.impl()->sockfd(), IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
  }

  Poco::Net::Context::Ptr context_;  // TLS only
  Poco::Net::ServerSocket server_;
  Poco::Net::StreamSocket peer_;
  std::string input_;
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace m365::testing
