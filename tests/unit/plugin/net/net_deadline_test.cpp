// DeadlineWatchdog on the process's one DeadlineService thread
// (docs/architecture.md, Threads): a watched socket is cut when its deadline
// passes, never after its watchdog is gone, and many requests in flight or
// one after another cost that one thread, not one each.
#include "net/net_deadline.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "notify/test_support/wait_until.hpp"

namespace m365 {
namespace {

using namespace std::chrono_literals;
using notify::test_support::WaitUntil;

int ThreadsOfThisProcess() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) n += e->d_name[0] != '.' ? 1 : 0;
    closedir(dir);
  }
  return n;
}

// A connected pair on loopback: the client end and the server's end.
struct Pair {
  Poco::Net::ServerSocket listener{Poco::Net::SocketAddress("127.0.0.1", 0)};
  Poco::Net::StreamSocket client;
  Poco::Net::StreamSocket server;
  Pair() {
    client.connect(listener.address());
    server = listener.acceptConnection();
  }
};

TEST(DeadlineWatchdog, CutsAReadBlockedPastTheDeadline) {
  auto service = std::make_shared<DeadlineService>();
  Pair pair;
  DeadlineWatchdog watchdog(DeadlineClock::now() + 50ms, service);
  watchdog.Watch(pair.client);
  char byte = 0;
  // The server never writes: only the watchdog's shutdown ends this read
  // (no receive timeout is set).
  EXPECT_EQ(pair.client.receiveBytes(&byte, 1), 0);
  EXPECT_TRUE(watchdog.fired());
}

TEST(DeadlineWatchdog, ASocketWatchedAfterItsDeadlineIsCut) {
  auto service = std::make_shared<DeadlineService>();
  Pair pair;
  DeadlineWatchdog watchdog(DeadlineClock::now() - 1ms, service);
  watchdog.Watch(pair.client);
  ASSERT_TRUE(WaitUntil([&] { return watchdog.fired(); }, 5000ms));
  char byte = 0;
  EXPECT_EQ(pair.client.receiveBytes(&byte, 1), 0);
}

TEST(DeadlineWatchdog, NeverTouchesASocketAfterTheWatchdogIsGone) {
  auto service = std::make_shared<DeadlineService>();
  Pair pair;
  {
    DeadlineWatchdog watchdog(DeadlineClock::now() + 30ms, service);
    watchdog.Watch(pair.client);
  }
  // A later, shorter deadline on another socket passes: the first socket,
  // whose watchdog is gone, still works.
  Pair other;
  DeadlineWatchdog later(DeadlineClock::now() + 40ms, service);
  later.Watch(other.client);
  ASSERT_TRUE(WaitUntil([&] { return later.fired(); }, 5000ms));
  pair.server.sendBytes("x", 1);
  char byte = 0;
  EXPECT_EQ(pair.client.receiveBytes(&byte, 1), 1);
  EXPECT_EQ(byte, 'x');
}

TEST(DeadlineWatchdog, AnEarlierDeadlineWakesTheThreadSleepingOnALaterOne) {
  auto service = std::make_shared<DeadlineService>();
  Pair slow, fast;
  DeadlineWatchdog far(DeadlineClock::now() + 1h, service);
  far.Watch(slow.client);
  DeadlineWatchdog near(DeadlineClock::now() + 20ms, service);
  near.Watch(fast.client);
  char byte = 0;
  EXPECT_EQ(fast.client.receiveBytes(&byte, 1), 0);
  EXPECT_TRUE(near.fired());
  EXPECT_FALSE(far.fired());
}

TEST(DeadlineWatchdog, ManyRequestsShareOneThread) {
  auto service = std::make_shared<DeadlineService>();
  const int before = ThreadsOfThisProcess();
  std::vector<std::unique_ptr<DeadlineWatchdog>> in_flight;
  for (int i = 0; i < 50; ++i) {
    in_flight.push_back(std::make_unique<DeadlineWatchdog>(DeadlineClock::now() + 1h, service));
  }
  EXPECT_EQ(ThreadsOfThisProcess(), before + 1);
  in_flight.clear();
  for (int i = 0; i < 200; ++i)
    DeadlineWatchdog one_after_another(DeadlineClock::now() + 1h, service);
  EXPECT_EQ(ThreadsOfThisProcess(), before + 1);
  service.reset();  // the last holder joins the thread
  EXPECT_EQ(ThreadsOfThisProcess(), before);
}

}  // namespace
}  // namespace m365
