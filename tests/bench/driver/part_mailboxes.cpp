// Part 7: many mailboxes. One client process holds a sender per mailbox
// (1,000 by default), each sending at its mailbox's (scaled) rate limit for
// a fixed time; every mailbox should get within 5 % of its bound, without a
// 432, in a process of bounded memory and threads.
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "bench_message.hpp"
#include "parts.hpp"

namespace notify_bench {

void RunMailboxesPart(BenchEnv& env, Report& report) {
  const BenchOptions& o = env.options();
  env.Configure([&](m365emu::Config& c) {
    c.limits.messages_per_minute = o.mailbox_per_window;
    c.limits.rate_window_ms = o.mailbox_window_ms;
    for (int m = 0; m < o.mailboxes; ++m) {
      c.tenant().mailboxes.push_back(
          m365emu::Mailbox{BenchMailbox(m), m365emu::SmtpAuthSetting::kInherit, {}});
      c.app().mailbox_permissions.push_back(BenchMailbox(m));
    }
  });
  Poco::JSON::Object::Ptr out;
  ChildResult r = env.RunClient(
      "mailboxes",
      {"--mailboxes", std::to_string(o.mailboxes), "--seconds", std::to_string(o.mailbox_seconds),
       "--per-window", std::to_string(o.mailbox_per_window), "--window-ms",
       std::to_string(o.mailbox_window_ms), "--threads", std::to_string(o.mailbox_threads)},
      std::chrono::seconds(120 + o.mailbox_seconds * 2), &out);
  m365emu::Stats stats = env.emulator().stats();

  // The bound of each mailbox: its rate times the sending time.
  const double bound = o.mailbox_seconds * 1000.0 * o.mailbox_per_window / o.mailbox_window_ms;
  std::map<std::string, int> received;
  for (const auto& m : env.emulator().received()) ++received[m.authenticated_mailbox];
  int outside = 0, fewest = -1, most = 0;
  for (int m = 0; m < o.mailboxes; ++m) {
    int n = received[BenchMailbox(m)];
    fewest = fewest < 0 ? n : std::min(fewest, n);
    most = std::max(most, n);
    if (std::abs(n - bound) > 0.05 * bound) ++outside;
  }
  const std::uint64_t busy = stats.smtp_reply_counts["432 4.3.2"];
  const int peak_threads = out && out->has("peak_threads") ? out->getValue<int>("peak_threads") : 0;
  const std::uint64_t accepted = stats.messages_accepted;

  Table table{"7. Many mailboxes: " + std::to_string(o.mailboxes) + " senders in one process, " +
                  std::to_string(o.mailbox_seconds) + " s at each mailbox's rate",
              {"mailboxes", "rate per mailbox", "bound per mailbox", "fewest / most delivered",
               "outside 5 %", "432 replies", "held-back 250s", "connections", "peak threads",
               "peak RSS MB", "client CPU ms/msg"}};
  table.rows.push_back({std::to_string(o.mailboxes),
                        std::to_string(o.mailbox_per_window) + " per " +
                            Fixed(o.mailbox_window_ms / 1000.0, 1) + " s",
                        Fixed(bound, 1), std::to_string(fewest) + " / " + std::to_string(most),
                        std::to_string(outside), std::to_string(busy),
                        std::to_string(stats.messages_delayed),
                        std::to_string(stats.smtp_connections), std::to_string(peak_threads),
                        Fixed(r.max_rss_kb / 1024.0, 1),
                        Fixed(accepted > 0 ? r.cpu_ms / static_cast<double>(accepted) : 0, 3)});
  table.notes.push_back(
      "One sender per mailbox (one emulator tenant), each Deliver call one message, driven by " +
      std::to_string(o.mailbox_threads) +
      " threads that keep every mailbox on its schedule; a mailbox counts the messages the "
      "emulator accepted from it. Peak threads: /proc/self/status sampled every 50 ms; RSS and "
      "CPU of the whole client process (opening the senders and the final QUITs included).");
  report.AddTable(table);

  Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  json->set("mailboxes", o.mailboxes);
  json->set("seconds", o.mailbox_seconds);
  json->set("bound_per_mailbox", bound);
  json->set("fewest", fewest);
  json->set("most", most);
  json->set("outside_5_percent", outside);
  json->set("replies_432", busy);
  json->set("messages_delayed", stats.messages_delayed);
  json->set("connections", stats.smtp_connections);
  json->set("peak_threads", peak_threads);
  json->set("peak_rss_kb", r.max_rss_kb);
  json->set("client_cpu_ms", r.cpu_ms);
  if (out) json->set("client", out);
  report.json().set("mailboxes", json);

  if (!r.ok()) {
    std::string why =
        out && out->has("first_failure") ? out->getValue<std::string>("first_failure") : r.error;
    report.Fail("many mailboxes: " + why);
  }
  report.AddTarget(
      {std::to_string(o.mailboxes) + " mailboxes: all within 5 % of their bound, 0 432",
       std::to_string(outside) + " outside, " + std::to_string(busy) + " 432",
       outside == 0 && busy == 0});
  report.AddTarget(
      {std::to_string(o.mailboxes) + " mailboxes: peak RSS <= 256 MB, threads <= 64",
       Fixed(r.max_rss_kb / 1024.0, 1) + " MB, " + std::to_string(peak_threads) + " threads",
       r.max_rss_kb > 0 && r.max_rss_kb <= 256 * 1024 && peak_threads > 0 && peak_threads <= 64});
}

}  // namespace notify_bench
