#pragma once
// Proxies for the HTTPS proxy tests (docs/channel-settings.md, HTTPS proxy):
// a real tinyproxy (Debian's package) started on loopback with a config of
// the test's own, and a TLS-intercepting proxy that answers CONNECT and then
// presents a certificate for another name, as a TLS-inspecting proxy does.
//
// tinyproxy's port: it must be written in its config (it refuses "Port 0"),
// so the helper takes a port the kernel hands out for a socket bound to port
// 0, closes that socket and starts tinyproxy on it. Another process may take
// the port in between; tinyproxy then fails to bind and exits, and the helper
// starts it again on a new port (up to 5 times). It is ready only when
// tinyproxy's own log says "Accepting connections", so a test never talks to
// another program that took the port.
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "notify/test_support/command_run.hpp"
#include "notify/test_support/wait_until.hpp"

namespace m365::testing {

// A tinyproxy process on 127.0.0.1, stopped (SIGTERM, then SIGKILL) by the
// destructor.
class Tinyproxy {
 public:
  struct Options {
    std::string user;  // with password: BasicAuth user password
    std::string password;
    std::vector<std::string> denied_hosts;  // Filter: CONNECT to these gets 403
  };

  Tinyproxy(const std::string& dir, const Options& options) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    if (!options.denied_hosts.empty()) {
      std::ofstream filter(dir_ + "/filter");
      for (const auto& host : options.denied_hosts) filter << "^" << host << "$\n";
    }
    for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) Start(options);
  }
  ~Tinyproxy() { Stop(); }
  Tinyproxy(const Tinyproxy&) = delete;
  Tinyproxy& operator=(const Tinyproxy&) = delete;

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  // "http://127.0.0.1:PORT"
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return notify::test_support::ReadWholeFile(dir_ + "/tinyproxy.log"); }
  // How many CONNECT requests to host:port tinyproxy logged.
  int Connects(const std::string& host_port) const {
    const std::string line = "CONNECT " + host_port + " HTTP/1.1";
    const std::string text = log();
    int n = 0;
    for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1)) ++n;
    return n;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!notify::test_support::WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) != 0; },
                                         std::chrono::seconds(5))) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

 private:
  static int PortTheKernelHandsOut() {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    int port = probe.address().port();
    probe.close();
    return port;
  }

  void Start(const Options& options) {
    port_ = PortTheKernelHandsOut();
    const std::string log_file = dir_ + "/tinyproxy.log";
    std::filesystem::remove(log_file);
    {
      std::ofstream conf(dir_ + "/tinyproxy.conf");
      conf << "Port " << port_ << "\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\n"
           << "LogFile \"" << log_file << "\"\nLogLevel Info\n";
      if (!options.user.empty())
        conf << "BasicAuth " << options.user << " " << options.password << "\n";
      if (!options.denied_hosts.empty()) {
        conf << "Filter \"" << dir_ << "/filter\"\nFilterType ere\n";
      }
    }
    const std::string program = "/usr/bin/tinyproxy";
    std::vector<std::string> args = {program, "-d", "-c", dir_ + "/tinyproxy.conf"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string quiet = dir_ + "/tinyproxy.stderr";
    const int err = ::open(quiet.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t pid = ::fork();
    if (pid == 0) {
      // Only async-signal-safe calls here: the test process has threads.
      if (err >= 0) ::dup2(err, 2);
      ::close_range(3, ~0U, 0);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    if (err >= 0) ::close(err);
    if (pid < 0) return;
    int status = 0;
    bool exited = false;
    const bool ready = notify::test_support::WaitUntil(
        [&] {
          if (::waitpid(pid, &status, WNOHANG) == pid) exited = true;
          return exited || log().find("Accepting connections") != std::string::npos;
        },
        std::chrono::seconds(20));
    if (ready && !exited) {
      pid_ = pid;
      return;
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Answers one CONNECT at a time with 200, then does the TLS handshake with a
// certificate for another name (`cert_file`/`key_file`), as a proxy that
// inspects TLS with its own certificates does. Stops with the destructor.
class InterceptingProxy {
 public:
  InterceptingProxy(const std::string& cert_file, const std::string& key_file)
      : server_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        tls_(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key_file, cert_file, "",
                                    Poco::Net::Context::VERIFY_NONE)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~InterceptingProxy() {
    stop_ = true;
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.address().port()); }
  int tunnels() const { return tunnels_; }

 private:
  void Run() {
    while (!stop_) {
      try {
        if (!server_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
        Poco::Net::StreamSocket client = server_.acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(5, 0));
        std::string head;
        char c = 0;
        while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 &&
               client.receiveBytes(&c, 1) == 1) {
          head += c;
        }
        if (head.rfind("CONNECT ", 0) != 0) continue;
        const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
        client.sendBytes(ok.data(), static_cast<int>(ok.size()));
        ++tunnels_;
        Poco::Net::SecureStreamSocket tls = Poco::Net::SecureStreamSocket::attach(client, tls_);
        tls.completeHandshake();  // the client refuses the certificate
      } catch (...) {             // the client's refusal ends the handshake
      }
    }
  }

  Poco::Net::ServerSocket server_;
  Poco::Net::Context::Ptr tls_;
  std::atomic<bool> stop_{false};
  std::atomic<int> tunnels_{0};
  std::thread thread_;
};

}  // namespace m365::testing
