#pragma once
// The workloads notify-bench-client runs in its own process, so that the
// driver can charge their CPU time and peak RSS to the plugin alone. Each
// returns the process exit code after printing one JSON line on stdout.
#include "notify/host_api/settings.hpp"

namespace notify_bench {

// Sends `messages` bench messages through the channel's sender from
// `threads` threads (each with its own sender, sharing the process-wide
// token cache), in Deliver calls of `per_call` messages (0: each thread
// hands its whole share to one call). Prints counts by status and the
// elapsed time of the sending (process start-up excluded).
int RunDeliver(const notify::Settings& settings, int messages, int threads, int per_call);

// Latency of single messages, `samples` each: cold (new sender, so new TLS
// context and token, then connect, STARTTLS, AUTH, send, QUIT), warm token
// (cached token, new connection) and warm connection (SendMail on an open,
// authenticated connection). Prints the samples in milliseconds.
int RunLatency(const notify::Settings& settings, int samples);

// Save validation (online Validate) `samples` times each for the settings as
// given (expected to pass), with a wrong client secret (fails at the token
// step) and with a From mailbox the app may not use (fails at AUTH). Prints
// the samples in milliseconds, the outcome and the failing step of each.
int RunSave(const notify::Settings& settings, int samples);

// `mailboxes` senders (from_email = BenchMailbox(m)) in this process, each
// sending one message per Deliver call every window_ms / per_window ms for
// `seconds`, driven by `threads` threads. Prints the messages each mailbox
// had delivered by the end, failures, and the peak number of threads.
int RunMailboxes(const notify::Settings& base, int mailboxes, int seconds, int per_window,
                 int window_ms, int threads);

}  // namespace notify_bench
