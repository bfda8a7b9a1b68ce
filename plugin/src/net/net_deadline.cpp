// Deadlines for blocking network calls: bounded DNS, a cutting watchdog,
// SIGPIPE blocking.
#include "net/net_deadline.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <sys/socket.h>

#include <memory>

#include "common/shared_while_held.hpp"

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

std::shared_ptr<DeadlineService> DeadlineService::Shared() {
  return SharedWhileHeld<DeadlineService>();
}

DeadlineService::~DeadlineService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DeadlineService::Id DeadlineService::Add(DeadlineClock::time_point deadline) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  const Id id = ++next_id_;
  entries_[id].deadline = deadline;
  pending_.emplace(deadline, id);
  // Woken only when this deadline comes before what the thread sleeps until.
  if (deadline < sleeping_until_) changed_.notify_all();
  return id;
}

void DeadlineService::Watch(Id id, poco_socket_t fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.fd = fd;
  if (it->second.expired && fd != POCO_INVALID_SOCKET) {
    ::shutdown(fd, SHUT_RDWR);
    it->second.fired = true;
  }
}

bool DeadlineService::Fired(Id id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.fired;
}

void DeadlineService::Remove(Id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  pending_.erase({it->second.deadline, id});
  entries_.erase(it);
}

void DeadlineService::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    const auto now = DeadlineClock::now();
    while (!pending_.empty() && pending_.begin()->first <= now) {
      Entry& entry = entries_[pending_.begin()->second];
      pending_.erase(pending_.begin());
      entry.expired = true;
      if (entry.fd == POCO_INVALID_SOCKET) continue;
      // The owner closes the descriptor only after Remove, which takes this
      // lock, so it cannot have been reused by now.
      ::shutdown(entry.fd, SHUT_RDWR);
      entry.fired = true;
    }
    sleeping_until_ = pending_.empty() ? DeadlineClock::time_point::max() : pending_.begin()->first;
    if (pending_.empty()) {
      changed_.wait(lock);
    } else {
      changed_.wait_until(lock, sleeping_until_);
    }
  }
}

DeadlineWatchdog::DeadlineWatchdog(DeadlineClock::time_point deadline,
                                   std::shared_ptr<DeadlineService> service)
    : service_(std::move(service)), id_(service_->Add(deadline)) {}

DeadlineWatchdog::~DeadlineWatchdog() { service_->Remove(id_); }

void DeadlineWatchdog::Watch(const Poco::Net::Socket& socket) {
  service_->Watch(id_, socket.impl()->sockfd());
}

bool DeadlineWatchdog::fired() const { return service_->Fired(id_); }

}  // namespace m365
