#pragma once
// Helpers that keep a blocking network exchange within a deadline when the
// library underneath (Poco's HTTP client over OpenSSL) cannot: a bounded DNS
// lookup and a watchdog that cuts the connection when the deadline passes.
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/Socket.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace m365 {

// The clock every deadline here is measured with.
using DeadlineClock = std::chrono::steady_clock;

// The addresses of `host` (an IP literal is returned as is), looked up on a
// helper thread that the caller waits for at most until `deadline`. Empty
// with *error set on failure ("timed out resolving x", "cannot resolve x").
std::vector<Poco::Net::IPAddress> ResolveWithin(const std::string& host,
                                                DeadlineClock::time_point deadline,
                                                std::string* error);

// Shuts the watched socket down (SHUT_RDWR on its descriptor; the owner still
// closes it) when the deadline passes, so that a read, write or TLS handshake
// blocked on it returns at once. Poco's TLS reads may otherwise wait twice
// their timeout (SO_RCVTIMEO, then a poll). Destroy it before the socket.
class DeadlineWatchdog {
 public:
  explicit DeadlineWatchdog(DeadlineClock::time_point deadline);
  ~DeadlineWatchdog();
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  // Starts watching `socket`'s descriptor (call once it is connected); shuts
  // it down at once when the deadline has already passed.
  void Watch(const Poco::Net::Socket& socket);
  // True once the deadline passed while a socket was watched.
  bool fired() const;

 private:
  void Run();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  DeadlineClock::time_point deadline_;
  poco_socket_t fd_ = POCO_INVALID_SOCKET;
  bool stop_ = false;
  bool expired_ = false;  // the deadline passed
  bool fired_ = false;    // ... and a watched socket was shut down
  std::thread thread_;
};

}  // namespace m365
