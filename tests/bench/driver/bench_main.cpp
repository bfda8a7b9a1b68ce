// notify-bench: the benchmarks (README.md, Benchmarks) against one in-process Microsoft
// 365 emulator. Prints a Markdown table and writes bench.md and bench.json.
//   notify-bench [--quick] [--out-dir DIR] [--only PART,...] [--messages N]
//                [--peer-messages N] [--rate-messages N] [--token-messages N]
//                [--latency-samples N] [--mailboxes N] [--mailbox-seconds S]
//                [--client PATH] [--clients CLIENT,...] [--baseline DIR]
// PART: throughput, rate, tokens, latency, footprint, micro, mailboxes.
// Exit codes: 0 every workload did its work (whatever the speed), 1 some
// workload failed (a message not delivered, a peer failing), 2 usage.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "bench_env.hpp"
#include "bench_report.hpp"
#include "parts.hpp"

namespace {

using notify_bench::BenchOptions;

int Usage() {
  std::cerr << "usage: notify-bench [--quick] [--out-dir DIR] [--only PART,...] [--messages N]\n"
               "       [--peer-messages N] [--rate-messages N] [--token-messages N]\n"
               "       [--latency-samples N] [--mailboxes N] [--mailbox-seconds S]\n"
               "       [--client PATH] [--clients CLIENT,...] [--baseline DIR]\n"
               "PART: throughput, rate, tokens, latency, footprint, micro, mailboxes\n"
               "CLIENT (throughput): plugin, smtplib, msmtp, curl, graph, nodemailer, host\n"
               "DIR: another build's bin/ and lib/ (notify-bench-client, notify-host,\n"
               "     m365_oauth_smtp.so), run in turn with this one (throughput)\n";
  return 2;
}

std::string Header(const BenchOptions& o) {
  double load[1] = {0};
  getloadavg(load, 1);
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::ostringstream out;
  out << "notify-bench " << (o.quick ? "--quick" : "(full)") << ", " << date << ", "
      << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs, load average " << notify_bench::Fixed(load[0], 2)
      << " at start; emulator in-process, loopback only.";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  bool quick = false;
  for (int i = 1; i < argc; ++i) quick = quick || std::string(argv[i]) == "--quick";
  BenchOptions options = BenchOptions::Defaults(quick);
  notify_bench::Programs programs{NOTIFY_BENCH_LAUNCH, NOTIFY_BENCH_CLIENT, NOTIFY_BENCH_MICRO,
                                  NOTIFY_BENCH_HOST,   NOTIFY_BENCH_PLUGIN, NOTIFY_BENCH_PEERS};
  programs.node_modules = NOTIFY_BENCH_NODE_MODULES;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") continue;
    if (a == "--help" || a == "-h") {
      Usage();
      return 0;
    }
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    try {
      if (a == "--out-dir") {
        options.out_dir = v;
      } else if (a == "--only") {
        std::istringstream parts(v);
        for (std::string p; std::getline(parts, p, ',');) options.parts.insert(p);
      } else if (a == "--messages") {
        options.messages = std::stoi(v);
      } else if (a == "--peer-messages") {
        options.peer_messages = std::stoi(v);
      } else if (a == "--rate-messages") {
        options.rate_messages = std::stoi(v);
      } else if (a == "--token-messages") {
        options.token_messages = std::stoi(v);
      } else if (a == "--latency-samples") {
        options.latency_samples = std::stoi(v);
      } else if (a == "--clients") {
        std::istringstream clients(v);
        for (std::string c; std::getline(clients, c, ',');) options.clients.insert(c);
      } else if (a == "--baseline") {
        programs.baseline_dir = v;
      } else if (a == "--client") {
        programs.client = v;  // another build of notify-bench-client, for before/after
      } else if (a == "--mailboxes") {
        options.mailboxes = std::stoi(v);
      } else if (a == "--mailbox-seconds") {
        options.mailbox_seconds = std::stoi(v);
      } else {
        return Usage();
      }
    } catch (const std::exception&) {
      return Usage();
    }
  }

  std::string header = Header(options);
  notify_bench::Report report;
  try {
    notify_bench::BenchEnv env(options, programs);
    report.json().set("header", header);
    report.json().set("quick", options.quick);
    if (options.Runs("throughput")) notify_bench::RunThroughputPart(env, report);
    if (options.Runs("rate")) notify_bench::RunRateLimitPart(env, report);
    if (options.Runs("tokens")) notify_bench::RunTokenEconomyPart(env, report);
    if (options.Runs("latency")) notify_bench::RunLatencyPart(env, report);
    if (options.Runs("footprint")) notify_bench::RunFootprintPart(env, report);
    if (options.Runs("micro")) notify_bench::RunMicroPart(env, report);
    if (options.Runs("mailboxes")) notify_bench::RunMailboxesPart(env, report);
  } catch (const std::exception& e) {
    report.Fail(std::string("set-up: ") + e.what());
  }

  std::string markdown = report.Markdown(header);
  std::cout << markdown;
  std::ofstream(options.out_dir + "/bench.md") << markdown;
  std::ofstream(options.out_dir + "/bench.json") << report.Json() << "\n";
  std::cout << "\nwritten: " << options.out_dir << "/bench.md, " << options.out_dir
            << "/bench.json\n";
  return report.failed() ? 1 : 0;
}
