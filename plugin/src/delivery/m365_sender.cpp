#include "delivery/m365_sender.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "common/server_log.hpp"
#include "delivery/deliver_call.hpp"
#include "delivery/delivery_plan.hpp"
#include "delivery/kept_connections.hpp"
#include "delivery/mailbox_slots.hpp"
#include "delivery/pacing.hpp"
#include "delivery/sender_health.hpp"
#include "delivery/sender_route.hpp"
#include "mime/mime_builder.hpp"
#include "net/sigpipe_block.hpp"
#include "notify/sdk/barrier.hpp"
#include "smtp/smtp_connection.hpp"
#include "smtp/smtp_login.hpp"

namespace m365 {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::sdk::Status;
using std::chrono::milliseconds;

// The credential's expiry, when known: the certificate's notAfter, or the
// client secret's secret_expires.
std::optional<CredentialExpiry> ExpiryOf(const M365Config& config) {
  if (config.certificate) return CertificateExpiry(config.certificate->facts());
  if (config.secret_expires) return SecretExpiry(*config.secret_expires);
  return std::nullopt;
}

struct Job {
  std::size_t index = 0;  // position in the batch
  MimeMessage mime;
  bool resent = false;  // already retried once after a loss before MAIL FROM took
};

// While every slot of the mailbox is held, how often a worker looks again
// for a connection that went idle meanwhile.
constexpr milliseconds kSlotLookAgain{100};

// An authenticated SMTP connection waiting in the ConnectionKeeper between
// calls, with what it has carried.
class KeptSmtpConnection : public KeptConnection {
 public:
  KeptSmtpConnection(std::unique_ptr<SmtpConnection> connection, int carried, int number)
      : connection(std::move(connection)), carried(carried), number(number) {}
  bool LooksAlive() noexcept override { return connection && connection->IsQuiet(); }
  void Close(bool politely) noexcept override {
    if (!connection) return;
    try {
      if (politely && connection->IsOpen()) (void)connection->Quit();
    } catch (...) {
      // Closing is best effort; the destructor closes the socket.
    }
    connection.reset();
  }

  std::unique_ptr<SmtpConnection> connection;
  int carried;
  int number;
};

}  // namespace

class M365Sender::Impl {
 public:
  Impl(M365Config config, Poco::Net::Context::Ptr tls, std::shared_ptr<TokenSource> tokens,
       notify::HostContext& host, Clock& clock)
      : config_(std::move(config)),
        tls_(std::move(tls)),
        tokens_(std::move(tokens)),
        host_(host),
        clock_(clock),
        keeper_(config_.keep_open.count() > 0 ? ConnectionKeeper::Shared() : nullptr),
        health_(ExpiryOf(config_), clock_,
                [this](notify::LogLevel level, const std::string& text) { Log(level, text); }) {}
  ~Impl() {
    if (keeper_) keeper_->CloseAll(this);
  }

  std::vector<DeliveryResult> Deliver(const std::vector<notify::Message>& batch);
  SenderHealthTracker& health() { return health_; }

 private:
  // The state one Deliver call shares between its workers: its results,
  // deadline and give-up (DeliverCall), and the chunks still to send. No
  // connection and no message starts once PastDeadline() says so.
  struct Run : DeliverCall {
    using DeliverCall::DeliverCall;
    std::vector<std::vector<Job>> chunks;
    std::size_t next_chunk = 0;
    std::mutex mutex;  // guards next_chunk
  };

  void Worker(Run& run);
  // What one connection achieved.
  struct Progress {
    int delivered = 0;       // 250 to the end of DATA
    int answered = 0;        // messages the server answered (delivered or refused)
    std::string lost_error;  // why the connection ended early, when it did
    bool deadline = false;   // ended early because the call's deadline passed
    bool stale = false;      // a kept connection the server had closed: not used
  };

  // An authenticated connection with its mailbox slot, or (connection null)
  // a slot for a new one, or neither when no slot came free in time.
  struct Lease {
    std::unique_ptr<SmtpConnection> connection;
    MailboxSlot slot;
    int carried = 0;      // messages it carried, over every call (at most batch_size)
    int number = 0;       // for the log: "connection N"
    bool reused = false;  // kept open from an earlier moment
  };

  void SendChunk(Run& run, std::vector<Job> chunk);
  // Sends jobs from the front of `pending` over `lease`'s authenticated
  // connection until it has carried batch_size messages, settling each that
  // gets a final result.
  Progress SendOverConnection(Run& run, Lease& lease, std::deque<Job>& pending);
  // A connection this sender kept open, else a free slot of the mailbox
  // (idle connections of the mailbox give theirs up), within `timeout`.
  Lease KeptOrSlot(Run& run);
  Lease TakeKept();
  // Keeps `lease`'s connection open for keep_open when it is healthy and can
  // carry more; otherwise QUIT. Leaves `lease` empty.
  void KeepOrQuit(Lease& lease);
  void Log(notify::LogLevel level, const std::string& text);

  M365Config config_;
  Poco::Net::Context::Ptr tls_;
  std::shared_ptr<TokenSource> tokens_;
  notify::HostContext& host_;
  Clock& clock_;
  // Where connections wait between calls; null when keep_open is 0.
  std::shared_ptr<ConnectionKeeper> keeper_;
  std::atomic<int> connection_number_{0};
  SenderHealthTracker health_;
};

std::vector<DeliveryResult> M365Sender::Impl::Deliver(const std::vector<notify::Message>& batch) {
  Run run(batch, clock_,
          [this](notify::LogLevel level, const std::string& text) { Log(level, text); });
  MimeBuilder builder(config_.from_email, config_.from_name);
  std::vector<std::size_t> valid;
  std::vector<std::optional<MimeMessage>> built(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto mime = builder.Build(batch[i]);
    if (mime.ok()) {
      built[i] = std::move(mime).value();
      valid.push_back(i);
    } else {
      run.Settle(i, ResultOfInvalidMessage(batch[i].id, mime.status().message()));
    }
  }
  for (const auto& indexes :
       SplitIntoChunks(valid, config_.batch_size, kMaxConnectionsPerMailbox)) {
    std::vector<Job> chunk;
    for (std::size_t i : indexes) chunk.push_back(Job{i, std::move(*built[i]), false});
    run.chunks.push_back(std::move(chunk));
  }
  run.StartDeadline(DeliverDeadline(config_.timeout, run.chunks.size()));

  // A credential the token cache still knows to be refused for good would
  // be refused for every connection: the batch is given up before any is
  // opened (docs/delivery.md, Tokens). Asks the cache only, never Entra: a
  // token is requested once TLS is up (smtp_login).
  if (!run.chunks.empty()) {
    Status refused = tokens_->StandingRefusal();
    if (!refused.ok()) run.GiveUp(NoAccessToken(refused));
  }

  // Up to three connections at once, one chunk each; this thread is one worker.
  std::size_t workers =
      run.given_up() ? 0 : std::min<std::size_t>(kMaxConnectionsPerMailbox, run.chunks.size());
  RunWorkers(workers, [&] { Worker(run); });

  DeliverCall::Outcome outcome = run.Finish();
  bool delivered =
      std::any_of(outcome.results.begin(), outcome.results.end(),
                  [](const DeliveryResult& r) { return r.status == DeliveryStatus::kDelivered; });
  health_.AfterDeliver(run.given_up(), delivered);
  if (outcome.left_for_later > 0) {
    Log(notify::LogLevel::kWarning, "this Deliver call's deadline of " +
                                        std::to_string(run.deadline_length().count()) +
                                        " s passed; " + std::to_string(outcome.left_for_later) +
                                        " messages not sent, left for a later call");
  }
  return std::move(outcome.results);
}

void M365Sender::Impl::Worker(Run& run) {
  // One SIGPIPE block for all the sockets of this worker instead of one per
  // read and write (four system calls each); on the host's thread the mask
  // is restored when the worker returns.
  ScopedSigpipeBlock no_sigpipe;
  for (;;) {
    if (run.PastDeadline()) return;
    std::vector<Job> chunk;
    {
      std::lock_guard<std::mutex> lock(run.mutex);
      if (run.next_chunk >= run.chunks.size() || run.given_up()) return;
      chunk = std::move(run.chunks[run.next_chunk++]);
    }
    // A worker thread must not let an exception out (std::terminate); the
    // chunk's unsettled messages are then reported by Deliver.
    try {
      SendChunk(run, std::move(chunk));
    } catch (...) {
      // Possibly in the middle of a message: its outcome is not known.
      run.GiveUp(Status::Unknown("internal error: " + notify::sdk::DescribeCurrentException()));
    }
  }
}

M365Sender::Impl::Lease M365Sender::Impl::TakeKept() {
  Lease lease;
  if (!keeper_) return lease;
  ConnectionKeeper::Taken taken = keeper_->Take(this);
  auto* kept = dynamic_cast<KeptSmtpConnection*>(taken.connection.get());
  if (kept == nullptr) return lease;  // none, or not one of ours (never happens)
  lease.connection = std::move(kept->connection);
  lease.carried = kept->carried;
  lease.number = kept->number;
  lease.slot = std::move(taken.slot);
  lease.reused = true;
  return lease;
}

void M365Sender::Impl::KeepOrQuit(Lease& lease) {
  if (!lease.connection) return;
  if (keeper_ && lease.connection->IsOpen() && lease.carried < config_.batch_size) {
    keeper_->Keep(this,
                  std::make_unique<KeptSmtpConnection>(std::move(lease.connection), lease.carried,
                                                       lease.number),
                  std::move(lease.slot), config_.from_email, clock_, config_.keep_open);
    return;
  }
  if (lease.connection->IsOpen()) (void)lease.connection->Quit();
  lease.connection.reset();
  lease.slot.Release();
}

M365Sender::Impl::Lease M365Sender::Impl::KeptOrSlot(Run& run) {
  Lease lease = TakeKept();
  if (lease.connection) return lease;
  lease.slot = MailboxSlot::Acquire(host_.Slots(), config_.from_email, kMaxConnectionsPerMailbox,
                                    milliseconds(0));
  if (lease.slot.held() || !keeper_) {
    if (!lease.slot.held()) {
      lease.slot = MailboxSlot::Acquire(host_.Slots(), config_.from_email,
                                        kMaxConnectionsPerMailbox, config_.timeout);
    }
    return lease;
  }
  // Every slot is held. Idle connections (ours, kept by another worker of
  // this call since, or another sender's) give theirs up; then wait for one,
  // looking again now and then, since a connection kept meanwhile would
  // otherwise hold its slot for its whole idle time.
  const Clock::TimePoint until = SteadyClock().Now() + config_.timeout;
  while (!run.stop().stopped()) {
    lease = TakeKept();
    if (lease.connection) return lease;
    (void)keeper_->CloseOneIdle(config_.from_email);
    const auto left = std::chrono::duration_cast<milliseconds>(until - SteadyClock().Now());
    if (left.count() <= 0) break;
    lease.slot = MailboxSlot::Acquire(host_.Slots(), config_.from_email, kMaxConnectionsPerMailbox,
                                      std::min(left, kSlotLookAgain));
    if (lease.slot.held()) return lease;
  }
  return lease;
}

void M365Sender::Impl::SendChunk(Run& run, std::vector<Job> chunk) {
  std::deque<Job> pending(std::make_move_iterator(chunk.begin()),
                          std::make_move_iterator(chunk.end()));
  Backoff backoff(PauseCap(config_.timeout));
  while (!pending.empty() && !run.stop().stopped()) {
    if (run.PastDeadline()) return;
    Lease lease = KeptOrSlot(run);
    if (!lease.connection && !lease.slot.held()) {
      if (run.stop().stopped()) return;
      run.GiveUp(
          NoFreeSlot("connection", config_.from_email, kMaxConnectionsPerMailbox, config_.timeout));
      return;
    }
    Status failure = Status::Ok();
    if (!lease.connection) {
      lease.number = ++connection_number_;
      lease.connection = std::make_unique<SmtpConnection>(
          SmtpEndpoint{config_.smtp_host, config_.port, config_.timeout, tls_});
      failure = OpenAuthenticated(*lease.connection, config_.from_email, *tokens_);
    }
    const std::string name = "connection " + std::to_string(lease.number);
    if (!failure.ok()) {
      // Closed while the slot is still held, so the slot never outlives it.
      if (lease.connection->IsOpen()) (void)lease.connection->Quit();
      Log(notify::LogLevel::kWarning, name + " to " + config_.smtp_host + ":" +
                                          std::to_string(config_.port) +
                                          " failed: " + failure.message());
      // Not transient: another connection would meet the same (a refusal, no
      // STARTTLS, no token), so no other chunk tries (docs/delivery.md,
      // Pacing and giving up).
      if (!failure.IsTransient()) {
        run.GiveUp(failure);
        return;
      }
    } else {
      Progress progress = SendOverConnection(run, lease, pending);
      if (progress.stale) {
        // The server ended the kept connection while it was idle; nothing
        // of the message was accepted, so it goes on a new connection
        // (docs/delivery.md, Connections kept between calls).
        Log(notify::LogLevel::kInfo, name + " (kept open) had been closed by the server: " +
                                         progress.lost_error + "; using a new connection");
        lease.connection.reset();
        lease.slot.Release();
        continue;
      }
      Log(notify::LogLevel::kInfo,
          name + ": " + std::to_string(progress.delivered) + " delivered, " +
              std::to_string(progress.answered - progress.delivered) + " refused" +
              (pending.empty()     ? ""
               : progress.deadline ? "; the call's deadline passed"
                                   : "; lost: " + progress.lost_error + "; continuing"));
      KeepOrQuit(lease);
      if (pending.empty() || run.PastDeadline()) return;
      if (progress.answered > 0) {
        backoff.Reset();
        continue;
      }
      failure = Status::Unavailable(progress.lost_error);
    }
    // Nothing came of this connection: pause, and give up after a few.
    if (backoff.attempts() + 1 >= kMaxConnectAttempts) {
      run.GiveUp(failure);
      return;
    }
    run.NoteFailure(failure.message());
    lease.connection.reset();
    lease.slot.Release();
    const milliseconds pause = backoff.Next();
    // No use waiting for an attempt the deadline would not let start.
    if (run.PastDeadline(pause)) return;
    if (!clock_.Pause(pause, run.stop())) return;
  }
}

M365Sender::Impl::Progress M365Sender::Impl::SendOverConnection(Run& run, Lease& lease,
                                                                std::deque<Job>& pending) {
  Progress progress;
  SmtpConnection& connection = *lease.connection;
  for (int sent = 0; lease.carried < config_.batch_size && !pending.empty(); ++sent) {
    if (run.PastDeadline()) {  // the rest waits for a later call
      progress.deadline = true;
      return progress;
    }
    Job& job = pending.front();
    SmtpStepResult r = connection.SendMail(config_.from_email, job.mime.recipients, job.mime.data);
    ++lease.carried;
    if (r.connection_lost && r.reply.code == 0) progress.lost_error = r.error;
    if (lease.reused && sent == 0 && r.connection_lost && !r.outcome_unknown &&
        (r.reply.code == 0 || r.reply.code == 421)) {
      // A kept connection the server closed while idle (421 4.4.1, or a
      // reset): the message was not accepted and goes on a new connection,
      // without using its one resend.
      progress.stale = true;
      if (r.reply.code != 0) progress.lost_error = r.reply.ToString();
      return progress;
    }
    bool lost_before_start =
        r.connection_lost && r.reply.code == 0 && !r.message_started && !r.outcome_unknown;
    if (lost_before_start && !job.resent) {
      // Nothing of the message was accepted: send it again on a new connection.
      job.resent = true;
      return progress;
    }
    if (r.reply.code != 0) ++progress.answered;
    if (r.ok) ++progress.delivered;
    run.Settle(job.index, ResultOfSend(run.batch()[job.index].id, r));
    pending.pop_front();
    if (!connection.IsOpen()) {
      if (progress.lost_error.empty()) progress.lost_error = r.reply.ToString();
      return progress;
    }
    if (!r.ok && !connection.Reset().ok) {
      progress.lost_error = "RSET failed";
      return progress;
    }
  }
  return progress;
}

// HostContext::Log is thread-safe (docs/host-api.md, Threads): the workers
// call it without a lock of their own.
void M365Sender::Impl::Log(notify::LogLevel level, const std::string& text) {
  LogForServer(host_, config_.server_name, level, text);
}

M365Sender::M365Sender(M365Config config, Poco::Net::Context::Ptr tls,
                       std::shared_ptr<TokenSource> tokens, notify::HostContext& host, Clock& clock,
                       std::shared_ptr<TokenSource> graph_tokens)
    : route_(std::make_unique<SenderRoute>(config, tls, tokens, graph_tokens, host, clock)) {
  token_sources_.push_back(tokens);
  if (graph_tokens) token_sources_.push_back(std::move(graph_tokens));
  impl_ = std::make_unique<Impl>(std::move(config), std::move(tls), std::move(tokens), host, clock);
}

M365Sender::~M365Sender() = default;

std::vector<notify::DeliveryResult> M365Sender::DeliverBatch(
    const std::vector<notify::Message>& batch) {
  impl_->health().WarnIfDue();
  // Decided once per sender, never inside a batch (docs/delivery.md, The route).
  auto route = route_->Decide();
  if (!route.ok()) {
    // A refused token shows here first when the route needs deciding.
    impl_->health().AfterDeliver(route.status(), false);
    return ResultsWithoutRoute(batch, route.status(), route_->config());
  }
  if (*route == Transport::kGraph) {
    // A refusal that holds for every message (401 or 403 after the one token
    // refresh, a refused token) turns the health failing, as on SMTP.
    std::optional<Status> given_up;
    auto results = route_->graph().Deliver(batch, &given_up);
    bool delivered = std::any_of(results.begin(), results.end(), [](const DeliveryResult& r) {
      return r.status == DeliveryStatus::kDelivered;
    });
    impl_->health().AfterDeliver(given_up, delivered);
    return results;
  }
  return impl_->Deliver(batch);
}

notify::SenderHealth M365Sender::ReportHealth() const {
  impl_->health().WarnIfDue();
  return impl_->health().Report();
}

notify::SenderCounters M365Sender::ReportCounters() const {
  notify::SenderCounters counters;
  for (const auto& source : token_sources_) {
    TokenRequestCounts requests = source->Requests();
    counters.token_requests_granted += requests.granted;
    counters.token_requests_refused += requests.refused;
    counters.token_requests_failed += requests.failed;
  }
  return counters;
}

}  // namespace m365
