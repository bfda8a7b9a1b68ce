#pragma once
// The byte stream under SmtpConnection: TCP connect with a deadline (DNS
// included), the upgrade to TLS with host-name verification, writes and
// bounded reply reads, each with a deadline. Errors are SmtpTransportError
// exceptions, caught by SmtpConnection at the edge of each step; their texts
// never contain what was sent.
#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>
#include <openssl/ssl.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtp/smtp_reply.hpp"

namespace m365 {

class SmtpTransportError : public std::runtime_error {
 public:
  enum class Kind { kTimeout, kClosed, kNetwork, kTls, kProtocol };
  SmtpTransportError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class SmtpSocket {
 public:
  using Clock = std::chrono::steady_clock;

  SmtpSocket() = default;
  ~SmtpSocket();
  SmtpSocket(const SmtpSocket&) = delete;
  SmtpSocket& operator=(const SmtpSocket&) = delete;

  // Resolves `host` and connects to the first address that answers, all
  // within `timeout`. Throws SmtpTransportError.
  void Connect(const std::string& host, int port, std::chrono::milliseconds timeout);
  // TLS handshake over the connected socket; the certificate chain is checked
  // by `context` and the certificate must be valid for `host`. Throws
  // SmtpTransportError (kTls for a refused certificate), also when the server
  // already sent bytes that would be read as if they had come over TLS.
  void UpgradeToTls(const std::string& host, const Poco::Net::Context::Ptr& context,
                    std::chrono::milliseconds timeout);
  // Sends all of `data`; every write must progress within `timeout`.
  void Send(std::string_view data, std::chrono::milliseconds timeout);
  // Reads one whole reply within `timeout` (SmtpReplyParser's limits apply).
  SmtpReply ReadReply(std::chrono::milliseconds timeout);
  // Asks the kernel to acknowledge what arrives next at once instead of
  // delaying the ACK (Linux TCP_QUICKACK; holds until our next send). Before
  // reading several pipelined replies: a server that writes each reply
  // separately with Nagle on holds the second until the first is ACKed,
  // which a delayed ACK makes 40 ms. Best effort; never throws.
  void AckPromptly() noexcept;
  // Waits up to `timeout` for the server to close its side (after QUIT), so
  // that the connection is gone on the server before a new one is counted.
  // Reads and drops at most a few KB; never throws.
  void WaitForClose(std::chrono::milliseconds timeout) noexcept;
  // True when bytes (or the end of the stream, or an error) wait to be
  // read although nothing was asked: on an idle connection, the server's
  // 421 or its close. Does not block; never throws.
  bool HasUnaskedInput() const noexcept;
  // "[127.0.0.1]" or "[IPv6:::1]": the EHLO argument (RFC 5321 4.1.3).
  std::string LocalAddressLiteral() const;
  bool IsOpen() const { return open_; }
  bool IsTls() const { return tls_; }
  // Closes without a word to the server. Idempotent.
  void Close() noexcept;

 private:
  // setsockopt only when needed: the send timeout when it changes; the
  // receive timeout when the one set could outlast `timeout` or is more than
  // an eighth shorter (a read that times out before the deadline is retried).
  void SetSendTimeout(Poco::Timespan timeout);
  void BoundReceiveTimeout(Poco::Timespan timeout);

  Poco::Net::StreamSocket socket_;  // a SecureStreamSocket's impl after the upgrade
  std::string buffer_;              // bytes read but not yet parsed
  // The socket's SO_SNDTIMEO / SO_RCVTIMEO as last set, in µs; -1: not set.
  Poco::Timespan::TimeDiff send_timeout_us_ = -1;
  Poco::Timespan::TimeDiff receive_timeout_us_ = -1;
  // The TLS session inside socket_ (owned by it), to see bytes OpenSSL has
  // read ahead; null before the upgrade.
  SSL* ssl_ = nullptr;
  bool open_ = false;
  bool tls_ = false;
};

}  // namespace m365
