#include "smtp_server.hpp"

#include <Poco/Net/StreamSocket.h>
#include <sys/socket.h>

namespace m365emu::detail {
namespace {
// Above this many open connections new ones get 421 and are closed, so a
// runaway client cannot exhaust threads. The many-mailboxes benchmark keeps
// a connection open for each of 1,000 mailboxes, up to 3 each.
constexpr std::size_t kMaxConnections = 4096;
}  // namespace

SmtpServer::SmtpServer(State& state, SmtpContexts contexts)
    : state_(state),
      contexts_(std::move(contexts)),
      socket_(Poco::Net::SocketAddress("127.0.0.1", 0), 64) {
  port_ = socket_.address().port();
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

SmtpServer::~SmtpServer() { Stop(); }

void SmtpServer::AcceptLoop() {
  while (!stop_) {
    try {
      if (!socket_.poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ)) {
        Reap(false);
        continue;
      }
      Poco::Net::StreamSocket s = socket_.acceptConnection();
      Reap(false);
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      if (conns_.size() >= kMaxConnections) {
        static const char kBusy[] =
            "421 4.3.2 Service not available, closing transmission channel\r\n";
        s.sendBytes(kBusy, sizeof kBusy - 1);
        s.close();
        continue;
      }
      auto conn = std::make_unique<Conn>();
      conn->fd = s.impl()->sockfd();
      Conn* raw = conn.get();
      std::uint64_t number = ++next_conn_;
      conn->thread = std::thread([this, raw, s, number]() mutable {
        // Unregister the fd before the socket closes so Stop() never shuts
        // down a reused descriptor.
        auto unregister = [this, raw] {
          std::lock_guard<std::mutex> lock(mu_);
          raw->fd = -1;
        };
        try {
          RunSmtpSession(state_, contexts_, s, number, unregister);
        } catch (...) {
        }
        unregister();
        s = Poco::Net::StreamSocket();
        raw->done = true;
      });
      conns_.push_back(std::move(conn));
    } catch (...) {
      // accept failures (e.g. EMFILE) are transient; keep going
    }
  }
}

void SmtpServer::Reap(bool all) {
  std::list<std::unique_ptr<Conn>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (all || (*it)->done) {
        finished.push_back(std::move(*it));
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished)
    if (c->thread.joinable()) c->thread.join();
}

void SmtpServer::Stop() {
  if (stop_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  socket_.close();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : conns_)
      if (c->fd >= 0) ::shutdown(c->fd, SHUT_RDWR);
  }
  Reap(true);
}

}  // namespace m365emu::detail
