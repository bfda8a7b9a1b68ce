#pragma once
// Connections that outlive a Deliver call (docs/delivery.md, Connections kept
// between calls): after a call, a sender leaves its authenticated
// connections here, with the mailbox slot each holds, for up to its idle
// time; the next call of the same sender takes them back instead of
// connecting, logging in and paying for TLS again.
//
// One keeper serves the whole process, whatever the route (an SMTP
// connection, a Graph keep-alive session): a route wraps its connection in a
// KeptConnection. Idle connections are closed lazily when their sender next
// looks for one, and by one shared reaper thread for the process, never by a
// thread per connection or per sender, so a thousand senders cost one thread.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "delivery/mailbox_slots.hpp"

namespace m365 {

// A route's open, authenticated connection, as the keeper holds it.
class KeptConnection {
 public:
  virtual ~KeptConnection() = default;
  // False when the server has already ended the connection or sent
  // something nobody asked for (a 421 before it closes an idle connection).
  // Must not block.
  virtual bool LooksAlive() noexcept = 0;
  // Ends the connection: with a goodbye to the server (SMTP: QUIT) when
  // `politely`, else by closing the socket. Bounded by the connection's own
  // timeout; never throws.
  virtual void Close(bool politely) noexcept = 0;
};

class ConnectionKeeper {
 public:
  // The process's keeper, created on first use and destroyed (its reaper
  // stopped and joined, its connections closed) when the last holder lets
  // go of it. Senders hold it for as long as they live.
  static std::shared_ptr<ConnectionKeeper> Shared();

  ConnectionKeeper();
  ~ConnectionKeeper();
  ConnectionKeeper(const ConnectionKeeper&) = delete;
  ConnectionKeeper& operator=(const ConnectionKeeper&) = delete;

  // A connection taken back, with the mailbox slot it holds.
  struct Taken {
    std::unique_ptr<KeptConnection> connection;  // null: none was kept
    MailboxSlot slot;
  };

  // Keeps `connection` (holding `slot` of `slot`'s mailbox) for `owner`
  // until `idle` has passed on `clock`. `owner` identifies the sender;
  // `clock` must outlive the keeping (the sender calls CloseAll before it
  // goes). Never blocks on the network.
  void Keep(const void* owner, std::unique_ptr<KeptConnection> connection, MailboxSlot slot,
            const std::string& mailbox, Clock& clock, std::chrono::milliseconds idle);

  // The connection `owner` kept last that is still within its idle time and
  // looks alive; the ones past their idle time are closed politely, the dead
  // ones dropped, on the calling thread. Empty when none is left.
  Taken Take(const void* owner);

  // Closes politely every connection past its idle time, of every owner, on
  // the calling thread; returns how many. The reaper calls it every second;
  // tests call it after moving a ManualClock.
  std::size_t CloseExpired();

  // Closes the idle connection of `mailbox` (any owner) that was kept
  // longest ago, so that its slot comes free for a sender that needs one.
  // False when `mailbox` has no idle connection.
  bool CloseOneIdle(const std::string& mailbox);

  // Closes politely every connection `owner` kept (a sender that goes).
  void CloseAll(const void* owner);

  // Connections kept for `owner` now (for tests and statistics).
  std::size_t CountFor(const void* owner) const;

 private:
  struct Entry {
    const void* owner = nullptr;
    std::string mailbox;  // lower case
    std::unique_ptr<KeptConnection> connection;
    MailboxSlot slot;
    Clock* clock = nullptr;
    Clock::TimePoint expires{};
  };

  void Reap();
  static void CloseEntries(std::list<Entry>& entries, bool politely) noexcept;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::list<Entry> entries_;  // oldest kept first
  bool stopping_ = false;
  std::thread reaper_;  // started with the first Keep
};

}  // namespace m365
