#include "smtp/smtp_socket.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "net/net_deadline.hpp"
#include "net/sigpipe_block.hpp"
#include "net/tls_context.hpp"
#include "smtp/smtp_reply_parser.hpp"

namespace m365 {
namespace {

using Kind = SmtpTransportError::Kind;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = 4096;
constexpr std::size_t kWriteChunk = 64 * 1024;

Poco::Timespan ToTimespan(milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

// Time left until `deadline`, at least 1 ms (0 would mean "no timeout" to
// the socket), or a timeout error when it has passed.
milliseconds Remaining(SmtpSocket::Clock::time_point deadline, const std::string& what) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - SmtpSocket::Clock::now());
  if (left.count() <= 0) throw SmtpTransportError(Kind::kTimeout, "timed out " + what);
  return std::max(left, milliseconds(1));
}

// The socket timeout that keeps one blocking call within `left`. Over TLS,
// Poco first waits the socket timeout in OpenSSL's read or write and then
// polls once more for as long (SecureSocketImpl::mustRetry), so each wait
// gets half.
Poco::Timespan CallTimeout(milliseconds left, bool tls) {
  return ToTimespan(tls ? std::max(left / 2, milliseconds(1)) : left);
}

std::string Seconds(milliseconds ms) { return std::to_string((ms.count() + 999) / 1000) + " s"; }

// Turns the exception being handled into an SmtpTransportError for `what`
// ("reading the reply", ...). Call only inside a catch block.
[[noreturn]] void RethrowAsTransportError(const std::string& what, milliseconds timeout) {
  try {
    throw;
  } catch (const SmtpTransportError&) {
    throw;
  } catch (const Poco::TimeoutException&) {
    throw SmtpTransportError(Kind::kTimeout, "timed out after " + Seconds(timeout) + " " + what);
  } catch (const Poco::Net::ConnectionResetException&) {
    throw SmtpTransportError(Kind::kClosed, "connection reset by the server " + what);
  } catch (const Poco::Net::SSLException& e) {
    throw SmtpTransportError(Kind::kTls, "TLS error " + what + ": " + e.displayText());
  } catch (const Poco::Exception& e) {
    throw SmtpTransportError(Kind::kNetwork, "network error " + what + ": " + e.displayText());
  } catch (const std::exception& e) {
    throw SmtpTransportError(Kind::kNetwork, "error " + what + ": " + e.what());
  }
}

}  // namespace

SmtpSocket::~SmtpSocket() { Close(); }

void SmtpSocket::Connect(const std::string& host, int port, milliseconds timeout) {
  Close();
  auto deadline = Clock::now() + timeout;
  std::string where = host + ":" + std::to_string(port);
  std::string error;
  std::vector<Poco::Net::IPAddress> addresses = ResolveWithin(host, deadline, &error);
  if (addresses.empty()) {
    if (Clock::now() >= deadline) {
      throw SmtpTransportError(Kind::kTimeout,
                               "timed out after " + Seconds(timeout) + " resolving " + host);
    }
    throw SmtpTransportError(Kind::kNetwork, error);
  }
  std::string last_error;
  for (const auto& address : addresses) {
    milliseconds left =
        Remaining(deadline, "after " + Seconds(timeout) + " connecting to " + where);
    try {
      ScopedSigpipeBlock no_sigpipe;
      Poco::Net::StreamSocket socket;  // a fresh one per address: a failed connect spoils it
      socket.connect(Poco::Net::SocketAddress(address, static_cast<Poco::UInt16>(port)),
                     ToTimespan(left));
      socket.setNoDelay(true);
      socket_ = socket;
      send_timeout_us_ = -1;
      receive_timeout_us_ = -1;
      buffer_.clear();
      open_ = true;
      tls_ = false;
      return;
    } catch (const Poco::TimeoutException&) {
      last_error = "timed out after " + Seconds(timeout) + " connecting to " + where;
    } catch (const Poco::Net::ConnectionRefusedException&) {
      last_error = "connection refused by " + where;
    } catch (const Poco::Exception& e) {
      last_error = "cannot connect to " + where + ": " + e.displayText();
    }
  }
  throw SmtpTransportError(last_error.rfind("timed out", 0) == 0 ? Kind::kTimeout : Kind::kNetwork,
                           last_error);
}

void SmtpSocket::UpgradeToTls(const std::string& host, const Poco::Net::Context::Ptr& context,
                              milliseconds timeout) {
  if (!open_) throw SmtpTransportError(Kind::kClosed, "not connected");
  if (!buffer_.empty()) {
    // Bytes that arrived before the handshake came in clear text; reading
    // them later as TLS data would let a man in the middle inject replies.
    Close();
    throw SmtpTransportError(Kind::kProtocol,
                             "the server sent data before the TLS handshake; refusing to go on");
  }
  const auto deadline = Clock::now() + timeout;
  try {
    ScopedSigpipeBlock no_sigpipe;
    BoundReceiveTimeout(CallTimeout(timeout, true));  // the handshake is TLS
    SetSendTimeout(CallTimeout(timeout, true));
    // attach() with the host name: OpenSSL checks the chain (the context's
    // VERIFY_STRICT) and Poco then checks the certificate against `host`.
    // Without the host name Poco 1.11 would check the certificate against
    // the peer's address, and fail.
    TakeLastHandshake();  // forget any earlier one of this thread
    Poco::Net::SecureStreamSocket secure =
        Poco::Net::SecureStreamSocket::attach(socket_, host, context);
    // Poco 1.11's attach() returns without an error when the server is
    // silent past the socket timeout, leaving the handshake (and the host
    // name check) to the first write: the stall would then be reported at
    // the next command. The handshake is finished here, within the step's
    // deadline, and the certificate checked once it is.
    for (;;) {
      milliseconds left = Remaining(
          deadline, "after " + Seconds(timeout) + " during the TLS handshake with " + host);
      BoundReceiveTimeout(CallTimeout(left, true));
      SetSendTimeout(CallTimeout(left, true));
      if (secure.completeHandshake() == 1) break;
    }
    if (!secure.havePeerCertificate()) {
      throw SmtpTransportError(Kind::kTls, "the server at " + host + " presented no certificate");
    }
    secure.verifyPeerCertificate(host);
    ssl_ = TakeLastHandshake();
    socket_ = secure;
    tls_ = true;
  } catch (const Poco::Net::CertificateValidationException& e) {
    Close();
    throw SmtpTransportError(Kind::kTls,
                             "the server's TLS certificate is not valid for the host "
                             "name " +
                                 host + " (" + e.displayText() + ")");
  } catch (...) {
    Close();
    RethrowAsTransportError("during the TLS handshake with " + host, timeout);
  }
}

void SmtpSocket::Send(std::string_view data, milliseconds timeout) {
  if (!open_) throw SmtpTransportError(Kind::kClosed, "not connected");
  try {
    ScopedSigpipeBlock no_sigpipe;
    SetSendTimeout(CallTimeout(timeout, tls_));
    std::size_t sent = 0;
    while (sent < data.size()) {
      int n = static_cast<int>(std::min(kWriteChunk, data.size() - sent));
      int rc = socket_.sendBytes(data.data() + sent, n);
      if (rc <= 0) throw SmtpTransportError(Kind::kClosed, "the server closed the connection");
      sent += static_cast<std::size_t>(rc);
    }
  } catch (...) {
    Close();
    RethrowAsTransportError("sending to the server", timeout);
  }
}

SmtpReply SmtpSocket::ReadReply(milliseconds timeout) {
  if (!open_) throw SmtpTransportError(Kind::kClosed, "not connected");
  auto deadline = Clock::now() + timeout;
  SmtpReplyParser parser;
  try {
    ScopedSigpipeBlock no_sigpipe;
    for (;;) {
      if (!buffer_.empty()) buffer_.erase(0, parser.Feed(buffer_));
      if (parser.state() == SmtpReplyParser::State::kComplete) return parser.reply();
      if (parser.state() == SmtpReplyParser::State::kMalformed) {
        throw SmtpTransportError(Kind::kProtocol, "malformed reply: " + parser.error());
      }
      milliseconds left =
          Remaining(deadline, "after " + Seconds(timeout) + " waiting for the server's reply");
      BoundReceiveTimeout(CallTimeout(left, tls_));
      char chunk[kReadChunk];
      int n = 0;
      try {
        n = socket_.receiveBytes(chunk, static_cast<int>(sizeof(chunk)));
      } catch (const Poco::TimeoutException&) {
        // The timeout set may be a little shorter than the time left (see
        // BoundReceiveTimeout); OpenSSL keeps a partial record, so read again.
        if (Clock::now() < deadline) continue;
        throw;
      }
      if (n <= 0) throw SmtpTransportError(Kind::kClosed, "the server closed the connection");
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  } catch (...) {
    Close();
    RethrowAsTransportError("waiting for the server's reply", timeout);
  }
}

void SmtpSocket::AckPromptly() noexcept {
#ifdef TCP_QUICKACK
  if (!open_) return;
  int on = 1;
  ::setsockopt(socket_.impl()->sockfd(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
#endif
}

void SmtpSocket::WaitForClose(milliseconds timeout) noexcept {
  if (!open_) return;
  auto deadline = Clock::now() + timeout;
  try {
    ScopedSigpipeBlock no_sigpipe;
    for (std::size_t dropped = 0; dropped < 4 * kReadChunk;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      Poco::Timespan wait = CallTimeout(left, tls_);
      socket_.setReceiveTimeout(wait);
      receive_timeout_us_ = wait.totalMicroseconds();
      char chunk[kReadChunk];
      int n = socket_.receiveBytes(chunk, static_cast<int>(sizeof(chunk)));
      if (n <= 0) break;
      dropped += static_cast<std::size_t>(n);
    }
  } catch (...) {
    // A reset or a timeout ends the wait just as well.
  }
  Close();
}

bool SmtpSocket::HasUnaskedInput() const noexcept {
  if (!open_) return true;
  if (!buffer_.empty()) return true;
  // Read ahead, OpenSSL may already hold what came with the last reply.
  if (ssl_ != nullptr && SSL_has_pending(ssl_) == 1) return true;
  pollfd p{};
  p.fd = socket_.impl()->sockfd();
  p.events = POLLIN;
  return ::poll(&p, 1, 0) != 0;  // readable, hung up, an error, or poll failed
}

std::string SmtpSocket::LocalAddressLiteral() const {
  try {
    Poco::Net::IPAddress ip = socket_.address().host();
    if (ip.family() == Poco::Net::IPAddress::IPv6) return "[IPv6:" + ip.toString() + "]";
    return "[" + ip.toString() + "]";
  } catch (const Poco::Exception&) {
    return "[127.0.0.1]";
  }
}

void SmtpSocket::Close() noexcept {
  if (!open_) return;
  open_ = false;
  try {
    ScopedSigpipeBlock no_sigpipe;
    socket_.close();
  } catch (...) {
    // Closing is best effort; the descriptor is released either way.
  }
  socket_ = Poco::Net::StreamSocket();
  buffer_.clear();
  tls_ = false;
  ssl_ = nullptr;
  send_timeout_us_ = -1;
  receive_timeout_us_ = -1;
}

void SmtpSocket::SetSendTimeout(Poco::Timespan timeout) {
  if (timeout.totalMicroseconds() == send_timeout_us_) return;
  send_timeout_us_ = -1;  // unknown should setting it fail
  socket_.setSendTimeout(timeout);
  send_timeout_us_ = timeout.totalMicroseconds();
}

void SmtpSocket::BoundReceiveTimeout(Poco::Timespan timeout) {
  // Each reply starts with about the same time left, a millisecond or so
  // less than the last one: keeping the one set saves a system call per read
  // and never lets a read outlast the deadline.
  Poco::Timespan::TimeDiff want = timeout.totalMicroseconds();
  if (receive_timeout_us_ > 0 && receive_timeout_us_ <= want &&
      receive_timeout_us_ >= want - want / 8) {
    return;
  }
  receive_timeout_us_ = -1;
  socket_.setReceiveTimeout(timeout);
  receive_timeout_us_ = want;
}

}  // namespace m365
