// Deadlines for blocking network calls: bounded DNS, a cutting watchdog,
// SIGPIPE blocking.
#include "net/net_deadline.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <sys/socket.h>

#include <memory>

namespace m365 {

std::vector<Poco::Net::IPAddress> ResolveWithin(const std::string& host,
                                                DeadlineClock::time_point deadline,
                                                std::string* error) {
  Poco::Net::IPAddress literal;
  if (Poco::Net::IPAddress::tryParse(host, literal)) return {literal};
  struct Lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::vector<Poco::Net::IPAddress> addresses;
  };
  auto lookup = std::make_shared<Lookup>();
  // getaddrinfo has no timeout: a lookup that outlives the wait ends on its
  // own and its result is dropped.
  std::thread([lookup, host] {
    std::vector<Poco::Net::IPAddress> addresses;
    try {
      addresses = Poco::Net::DNS::hostByName(host).addresses();
    } catch (...) {
    }
    std::lock_guard<std::mutex> lock(lookup->mutex);
    lookup->addresses = std::move(addresses);
    lookup->done = true;
    lookup->done_cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done_cv.wait_until(lock, deadline, [&] { return lookup->done; })) {
    *error = "timed out resolving " + host;
    return {};
  }
  if (lookup->addresses.empty()) *error = "the host name " + host + " could not be resolved";
  return lookup->addresses;
}

DeadlineWatchdog::DeadlineWatchdog(DeadlineClock::time_point deadline)
    : deadline_(deadline), thread_([this] { Run(); }) {}

DeadlineWatchdog::~DeadlineWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DeadlineWatchdog::Watch(const Poco::Net::Socket& socket) {
  std::lock_guard<std::mutex> lock(mutex_);
  fd_ = socket.impl()->sockfd();
  if (expired_ && fd_ != POCO_INVALID_SOCKET) {
    ::shutdown(fd_, SHUT_RDWR);
    fired_ = true;
  }
}

bool DeadlineWatchdog::fired() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_;
}

void DeadlineWatchdog::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline_, [&] { return stop_; });
  if (stop_) return;
  expired_ = true;
  if (fd_ == POCO_INVALID_SOCKET) return;
  // The owner closes the descriptor only after this object is gone, so it
  // cannot have been reused by now.
  ::shutdown(fd_, SHUT_RDWR);
  fired_ = true;
}

}  // namespace m365
