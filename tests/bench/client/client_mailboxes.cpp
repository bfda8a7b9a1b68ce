// RunMailboxes: many senders (one per mailbox) in one process, each sending
// one message per call at its mailbox's rate for a fixed time, driven by a
// small pool of threads, as a host with many rulesets would. Reports what
// each mailbox delivered in time and the process's peak thread count.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "bench_message.hpp"
#include "channel/m365_channel.hpp"
#include "client_support.hpp"
#include "client_workloads.hpp"

namespace notify_bench {
namespace {

using Clock = std::chrono::steady_clock;

// Threads of this process now, from /proc/self/status; 0 when unknown.
int ThreadsNow() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

// The next send of one mailbox.
struct Due {
  Clock::time_point at;
  int mailbox;
  bool operator>(const Due& o) const { return at > o.at; }
};

}  // namespace

int RunMailboxes(const notify::Settings& base, int mailboxes, int seconds, int per_window,
                 int window_ms, int threads) {
  QuietHost host;
  m365::M365Channel channel(host);
  std::vector<std::unique_ptr<notify::Sender>> senders;
  senders.reserve(mailboxes);
  for (int m = 0; m < mailboxes; ++m) {
    notify::Settings settings = base;
    settings["from_email"] = BenchMailbox(m);
    settings["server_name"] = "bench mailbox " + std::to_string(m);
    notify::OpenResult opened = channel.Open(settings);
    if (opened.sender == nullptr) {
      std::cerr << "notify-bench-client: Open refused mailbox " << m << "\n";
      return 1;
    }
    senders.push_back(std::move(opened.sender));
  }

  // Each mailbox sends every window / per_window, the mailboxes' first sends
  // spread over one interval so that they do not all start at once.
  const auto interval = std::chrono::microseconds(std::int64_t(window_ms) * 1000 / per_window);
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(200);
  const Clock::time_point end = start + std::chrono::seconds(seconds);
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> queue;
  for (int m = 0; m < mailboxes; ++m) queue.push({start + interval * m / mailboxes, m});
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> delivered(mailboxes, 0), failed(mailboxes, 0);
  std::atomic<int> late_sends{0};
  std::string first_failure;
  int in_flight = 0;

  std::atomic<bool> sampling{true};
  std::atomic<int> peak_threads{ThreadsNow()};
  std::thread sampler([&] {
    while (sampling) {
      peak_threads = std::max(peak_threads.load(), ThreadsNow());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (queue.empty()) {
        if (in_flight == 0) return;
        changed.wait(lock);
        continue;
      }
      Due due = queue.top();
      if (due.at >= end) {
        queue.pop();
        changed.notify_all();
        continue;
      }
      if (Clock::now() < due.at) {
        changed.wait_until(lock, due.at);
        continue;
      }
      queue.pop();
      ++in_flight;
      lock.unlock();
      // A sender is used by one thread at a time: its next send is queued
      // only after this one returned.
      if (Clock::now() - due.at > interval) ++late_sends;
      auto results = senders[due.mailbox]->Deliver({MakeBenchMessage(due.mailbox)});
      const bool ok =
          results.size() == 1 && results[0].status == notify::DeliveryStatus::kDelivered;
      const bool in_time = Clock::now() <= end;
      lock.lock();
      --in_flight;
      if (ok && in_time) ++delivered[due.mailbox];
      if (!ok) {
        ++failed[due.mailbox];
        if (first_failure.empty() && !results.empty()) {
          first_failure = std::to_string(results[0].code) + " " + results[0].detail;
        }
      }
      queue.push({due.at + interval, due.mailbox});
      changed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double elapsed_ms = MillisSince(start);
  peak_threads = std::max(peak_threads.load(), ThreadsNow());
  sampling = false;
  sampler.join();
  senders.clear();  // QUIT on every kept connection, counted in the process's CPU

  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("mailboxes", mailboxes);
  out->set("seconds", seconds);
  out->set("per_window", per_window);
  out->set("window_ms", window_ms);
  out->set("driver_threads", threads);
  out->set("elapsed_ms", elapsed_ms);
  out->set("peak_threads", peak_threads.load());
  out->set("late_sends", late_sends.load());
  Poco::JSON::Array::Ptr counts = new Poco::JSON::Array;
  int failures = 0;
  for (int m = 0; m < mailboxes; ++m) {
    counts->add(delivered[m]);
    failures += failed[m];
  }
  out->set("delivered", counts);
  out->set("failed", failures);
  if (!first_failure.empty()) out->set("first_failure", first_failure);
  out->set("log_problems", host.problems());
  if (!host.first_problem().empty()) out->set("first_log_problem", host.first_problem());
  return PrintResult(out, failures == 0);
}

}  // namespace notify_bench
