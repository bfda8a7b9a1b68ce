#pragma once
// The benchmark parts (README.md, Benchmarks), one function each. Every part configures the shared
// emulator itself, adds its tables and targets to the report, stores its
// figures under its own JSON key, and calls Report::Fail when a workload did
// not deliver what it should (never for a speed).
#include "bench_env.hpp"
#include "bench_report.hpp"

namespace notify_bench {

// 1. Unthrottled throughput: the plugin vs smtplib, msmtp, curl, nodemailer,
//    and the host's own path (notify-host send --batch).
void RunThroughputPart(BenchEnv& env, Report& report);
// 2. Delivery at Exchange's (scaled) rate limit and connection limit.
void RunRateLimitPart(BenchEnv& env, Report& report);
// 3. Token requests of many messages from 8 threads vs the lifetime bound.
void RunTokenEconomyPart(BenchEnv& env, Report& report);
// 4. Latency of one message (cold, warm token, warm connection) and of Save.
void RunLatencyPart(BenchEnv& env, Report& report);
// 5. notify-host start-up with and without the plugin; the plugin's size.
void RunFootprintPart(BenchEnv& env, Report& report);
// 6. Google Benchmark micro-benchmarks of the plugin's pure parts.
void RunMicroPart(BenchEnv& env, Report& report);
// 7. Many mailboxes: a sender per mailbox in one process, each at its rate.
void RunMailboxesPart(BenchEnv& env, Report& report);

}  // namespace notify_bench
