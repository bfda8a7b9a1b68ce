#pragma once
// Helpers that keep a blocking network exchange within a deadline when the
// library underneath (Poco's HTTP client over OpenSSL) cannot: a bounded DNS
// lookup and a watchdog that cuts the connection when the deadline passes.
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/Socket.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
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

// One thread for the process that shuts down watched sockets whose deadline
// passed (docs/architecture.md, Threads): a request registers
// its deadline and socket here instead of starting a thread of its own. The
// thread sleeps until the earliest deadline and is not woken by a request
// whose deadline is later (every request's, in a steady flow), so a request
// costs two short lock holds. Held by its users (HttpsConnection) while they
// live; the last holder to let go stops and joins the thread.
class DeadlineService {
 public:
  // The process's service, created on first use.
  static std::shared_ptr<DeadlineService> Shared();

  DeadlineService() = default;
  ~DeadlineService();
  DeadlineService(const DeadlineService&) = delete;
  DeadlineService& operator=(const DeadlineService&) = delete;

  using Id = std::uint64_t;
  // Starts a deadline with no socket yet; the thread starts with the first
  // (std::system_error when it cannot).
  Id Add(DeadlineClock::time_point deadline);
  // Watches `fd` for deadline `id`; shuts it down at once when the deadline
  // has already passed.
  void Watch(Id id, poco_socket_t fd);
  // True once the deadline passed while a socket was watched.
  bool Fired(Id id) const;
  // Ends deadline `id`: once this returns, its socket is never touched.
  void Remove(Id id);

 private:
  struct Entry {
    DeadlineClock::time_point deadline;
    poco_socket_t fd = POCO_INVALID_SOCKET;
    bool expired = false;  // the deadline passed
    bool fired = false;    // ... and a watched socket was shut down
  };
  void Run();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<Id, Entry> entries_;
  std::set<std::pair<DeadlineClock::time_point, Id>> pending_;  // not yet expired
  Id next_id_ = 0;
  // What the thread sleeps until; max() while it waits for any deadline.
  DeadlineClock::time_point sleeping_until_ = DeadlineClock::time_point::max();
  bool stop_ = false;
  std::thread thread_;
};

// Shuts the watched socket down (SHUT_RDWR on its descriptor; the owner still
// closes it) when the deadline passes, so that a read, write or TLS handshake
// blocked on it returns at once. Poco's TLS reads may otherwise wait twice
// their timeout (SO_RCVTIMEO, then a poll). Destroy it before the socket.
// Watched by `service`'s one thread, not a thread of its own.
class DeadlineWatchdog {
 public:
  explicit DeadlineWatchdog(DeadlineClock::time_point deadline,
                            std::shared_ptr<DeadlineService> service = DeadlineService::Shared());
  ~DeadlineWatchdog();
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  // Starts watching `socket`'s descriptor (call once it is connected); shuts
  // it down at once when the deadline has already passed.
  void Watch(const Poco::Net::Socket& socket);
  // True once the deadline passed while a socket was watched.
  bool fired() const;

 private:
  std::shared_ptr<DeadlineService> service_;
  DeadlineService::Id id_;
};

}  // namespace m365
