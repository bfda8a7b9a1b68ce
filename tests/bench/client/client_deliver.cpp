// RunDeliver: throughput, rate-limited delivery and token economy.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_message.hpp"
#include "channel/m365_channel.hpp"
#include "client_support.hpp"
#include "client_workloads.hpp"

namespace notify_bench {
namespace {

// Outcome counts of one thread.
struct Tally {
  int delivered = 0;
  int retry_later = 0;
  int rejected = 0;
  int wrong_results = 0;  // results missing, extra or out of order
  std::string first_failure;
};

// Sends messages [first, first + count) over one sender.
void SendShare(m365::M365Channel& channel, const notify::Settings& settings, int first, int count,
               int per_call, Tally& tally) {
  notify::OpenResult opened = channel.Open(settings);
  if (opened.sender == nullptr) {
    tally.rejected += count;
    tally.first_failure = "Open refused the settings";
    return;
  }
  int step = per_call > 0 ? per_call : std::max(count, 1);
  for (int at = first; at < first + count; at += step) {
    std::vector<notify::Message> batch;
    for (int n = at; n < std::min(at + step, first + count); ++n) {
      batch.push_back(MakeBenchMessage(n));
    }
    std::vector<notify::DeliveryResult> results = opened.sender->Deliver(batch);
    if (results.size() != batch.size()) ++tally.wrong_results;
    for (std::size_t i = 0; i < std::min(results.size(), batch.size()); ++i) {
      const notify::DeliveryResult& r = results[i];
      if (r.id != batch[i].id) ++tally.wrong_results;
      switch (r.status) {
        case notify::DeliveryStatus::kDelivered:
          ++tally.delivered;
          continue;
        case notify::DeliveryStatus::kRetryLater:
          ++tally.retry_later;
          break;
        case notify::DeliveryStatus::kRejected:
          ++tally.rejected;
          break;
      }
      if (tally.first_failure.empty()) {
        tally.first_failure = std::to_string(r.code) + " " + r.enhanced + " " + r.detail;
      }
    }
  }
}

}  // namespace

int RunDeliver(const notify::Settings& settings, int messages, int threads, int per_call) {
  QuietHost host;
  m365::M365Channel channel(host);
  threads = std::max(1, threads);
  std::vector<Tally> tallies(threads);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  int first = 0;
  for (int t = 0; t < threads; ++t) {
    int count = messages / threads + (t < messages % threads ? 1 : 0);
    workers.emplace_back(
        [&, t, first, count] { SendShare(channel, settings, first, count, per_call, tallies[t]); });
    first += count;
  }
  for (auto& w : workers) w.join();
  double elapsed_ms = MillisSince(start);

  Tally total;
  for (const Tally& t : tallies) {
    total.delivered += t.delivered;
    total.retry_later += t.retry_later;
    total.rejected += t.rejected;
    total.wrong_results += t.wrong_results;
    if (total.first_failure.empty()) total.first_failure = t.first_failure;
  }
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("messages", messages);
  out->set("threads", threads);
  out->set("per_call", per_call);
  out->set("delivered", total.delivered);
  out->set("retry_later", total.retry_later);
  out->set("rejected", total.rejected);
  out->set("wrong_results", total.wrong_results);
  out->set("elapsed_ms", elapsed_ms);
  out->set("log_problems", host.problems());
  if (!total.first_failure.empty()) out->set("first_failure", total.first_failure);
  if (!host.first_problem().empty()) out->set("first_log_problem", host.first_problem());
  return PrintResult(out, total.delivered == messages && total.wrong_results == 0);
}

}  // namespace notify_bench
