#pragma once
// What every part of notify-bench shares: the options, the programs under
// test, a private work directory, and one in-process emulator whose
// configuration each part sets before it runs (so every figure of a run
// comes from the same emulator).
#include <Poco/JSON/Object.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "m365emu/emulator.hpp"
#include "notify/host_api/settings.hpp"

namespace notify_bench {

// Sizes of the workloads; Defaults(true) is the --quick run.
struct BenchOptions {
  bool quick = false;
  int messages = 2000;         // throughput: plugin and smtplib
  int peer_messages = 200;     // throughput: msmtp and curl (one process per message)
  int throughput_repeats = 3;  // plugin and smtplib take turns; the median is reported
  int rate_messages = 1000;    // at Exchange's limits
  int rate_per_window = 5;     // messages_per_minute of the emulator ...
  int rate_window_ms = 100;    // ... over this window (scaled: 5 per 100 ms = 3000/min)
  int token_messages = 10000;
  int token_threads = 8;
  int token_lifetime_s = 60;  // the design's test lifetime
  int short_lifetime_s = 4;   // scaled down so that a run shows several refreshes
  int latency_samples = 200;
  int save_samples = 20;
  int footprint_runs = 20;
  double micro_min_time_s = 0.5;
  int mailboxes = 1000;           // many mailboxes: one sender each, in one process
  int mailbox_seconds = 60;       // ... sending for this long
  int mailbox_per_window = 5;     // ... at this many messages per mailbox
  int mailbox_window_ms = 10000;  // ... per window (30 per minute, Exchange's rate)
  int mailbox_threads = 16;       // threads that drive the senders
  std::string out_dir = ".";
  std::set<std::string> parts;  // empty: all
  // Throughput clients to run (plugin, smtplib, msmtp, curl, graph, nodemailer,
  // host); empty: all. For a profile or a before/after of one path.
  std::set<std::string> clients;

  static BenchOptions Defaults(bool quick);
  bool Runs(const std::string& part) const { return parts.empty() || parts.count(part) > 0; }
  bool RunsClient(const std::string& client) const {
    return clients.empty() || clients.count(client) > 0;
  }
};

// Where the programs under test are (defaults are compiled in by CMake).
struct Programs {
  std::string launcher;     // notify-bench-launch
  std::string client;       // notify-bench-client
  std::string micro;        // notify-bench-micro
  std::string notify_host;  // notify-host
  std::string plugin_file;  // m365_oauth_smtp.so
  std::string peers_dir;    // tests/bench/peers
  std::string python = "/usr/bin/python3";
  std::string msmtp = "/usr/bin/msmtp";
  std::string curl = "/usr/bin/curl";
  std::string node = "/usr/bin/node";
  std::string node_modules;  // where scripts/bench.sh installs nodemailer (build tree)
  // Another build (--baseline DIR: DIR/bin/notify-bench-client, DIR/bin/notify-host,
  // DIR/lib/m365_oauth_smtp.so), run in turn with this one for a before/after
  // from the same emulator; empty: none.
  std::string baseline_dir;
};

class BenchEnv {
 public:
  // Creates the work directory (mode 0700), starts the emulator, fetches one
  // access token for the peers and writes the files they read. Throws
  // std::runtime_error when any of it fails.
  BenchEnv(BenchOptions options, Programs programs);
  // Stops the emulator and removes the work directory.
  ~BenchEnv();

  const BenchOptions& options() const { return options_; }
  const Programs& programs() const { return programs_; }
  m365emu::Emulator& emulator() { return *emulator_; }
  const std::string& work_dir() const { return work_dir_; }

  // Applies `tweak` to the unthrottled base configuration (no rate limit,
  // no daily quota, 3 connections per mailbox, token lifetime 3599 s), hot
  // swaps it into the emulator and zeroes its counters.
  void Configure(const std::function<void(m365emu::Config&)>& tweak = {});

  // The channel's settings against the emulator (batch size large).
  notify::Settings ChannelSettings() const;
  // The same for the demo tenant's Graph app (Microsoft Graph Mail.Send only,
  // transport auto): the Microsoft Graph route.
  notify::Settings GraphSettings() const;
  // Writes `settings` (which hold the client secret) to a 0600 file in the
  // work directory and returns its path.
  std::string WriteSettings(const std::string& name, const notify::Settings& settings) const;

  // Runs notify-bench-client with `args` after the mode (the settings file
  // is added). `output` gets its JSON result, nullptr when it printed none.
  // `settings` default to ChannelSettings().
  // `client` defaults to programs().client.
  ChildResult RunClient(const std::string& mode, const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout, Poco::JSON::Object::Ptr* output,
                        const notify::Settings* settings = nullptr,
                        const std::string* client = nullptr) const;

  // Files for the peers: the token (0600), and message 0 as the plugin's
  // MIME builder makes it, with CRLF and with LF line ends.
  const std::string& token_file() const { return token_file_; }
  const std::string& eml_crlf() const { return eml_crlf_; }
  const std::string& eml_lf() const { return eml_lf_; }
  // The token itself, for the curl config file; never printed.
  const std::string& token() const { return token_; }

 private:
  BenchOptions options_;
  Programs programs_;
  std::string work_dir_;
  std::unique_ptr<m365emu::Emulator> emulator_;
  std::string token_;
  std::string token_file_, eml_crlf_, eml_lf_;
};

// Sum of the SMTP replies with a 4xx code in `stats`.
std::uint64_t Count4xx(const m365emu::Stats& stats);

}  // namespace notify_bench
