// The Graph route's Deliver: up to kMaxGraphRequestsPerMailbox workers, each
// with its own keep-alive GraphClient from a pool the route keeps between
// calls; every request holds one of the mailbox's Graph slots while in flight.
#include "delivery/graph_route.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "common/server_log.hpp"
#include "delivery/deliver_call.hpp"
#include "delivery/delivery_plan.hpp"
#include "delivery/mailbox_slots.hpp"
#include "delivery/pacing.hpp"
#include "graph/graph_answer.hpp"
#include "graph/graph_client.hpp"
#include "graph/graph_request.hpp"
#include "graph/graph_upload.hpp"
#include "mime/mime_builder.hpp"
#include "net/sigpipe_block.hpp"
#include "notify/sdk/barrier.hpp"
#include "route/route_decision.hpp"
#include "token/jwt_claims.hpp"

namespace m365 {
namespace {

using notify::DeliveryResult;
using notify::sdk::Status;
using std::chrono::milliseconds;

struct GraphJob {
  std::size_t index = 0;
  MimeMessage mime;    // for a large message: its MIME without attachments (the draft)
  bool large = false;  // draft + attachments + send (graph/graph_upload.hpp)
};

// The slots of Graph requests share MailboxSlot's per-mailbox bookkeeping
// under their own key, apart from the SMTP connections of the same mailbox:
// each service counts its own (docs/delivery.md, The Microsoft Graph route).
std::string GraphSlotKey(const std::string& mailbox) { return "graph " + mailbox; }

}  // namespace

DeliveryResult ResultOfGraph(const std::string& id, const Status& status, int http_status) {
  DeliveryResult r = ResultOf(id, status);
  r.code = http_status;
  if (status.ok()) r.detail = kGraphAcceptedDetail;
  return r;
}

class GraphRoute::Impl {
 public:
  Impl(M365Config config, Poco::Net::Context::Ptr tls, std::shared_ptr<TokenSource> tokens,
       notify::HostContext& host, Clock& clock)
      : config_(std::move(config)),
        tls_(std::move(tls)),
        tokens_(std::move(tokens)),
        host_(host),
        clock_(clock) {}

  std::vector<DeliveryResult> Deliver(const std::vector<notify::Message>& batch,
                                      std::optional<Status>* given_up);

 private:
  // The state one Deliver call shares between its workers: its results,
  // deadline and give-up (DeliverCall), the jobs still to send and the pacing.
  struct Run : DeliverCall {
    using DeliverCall::DeliverCall;
    std::vector<GraphJob> jobs;
    std::mutex mutex;  // guards the members below
    std::size_t next_job = 0;
    Clock::TimePoint not_before{};  // no request starts before (Retry-After)
    int accepted = 0;
    int refused = 0;
  };

  void Worker(Run& run);
  // Sends one job until it has a final result, or the run stops.
  void SendJob(Run& run, GraphClient& client, const GraphJob& job);
  // Waits until the run's pacing allows a request; false when the run
  // stopped or the wait would cross its deadline.
  bool WaitTurn(Run& run);
  void Pace(Run& run, milliseconds pause);
  void Settle(Run& run, const GraphJob& job, DeliveryResult result);
  std::unique_ptr<GraphClient> TakeClient();
  void ReturnClient(std::unique_ptr<GraphClient> client);
  void Log(notify::LogLevel level, const std::string& text);

  M365Config config_;
  Poco::Net::Context::Ptr tls_;
  std::shared_ptr<TokenSource> tokens_;
  notify::HostContext& host_;
  Clock& clock_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<GraphClient>> idle_;  // open connections, for the next call
};

std::vector<DeliveryResult> GraphRoute::Impl::Deliver(const std::vector<notify::Message>& batch,
                                                      std::optional<Status>* given_up) {
  Run run(batch, clock_,
          [this](notify::LogLevel level, const std::string& text) { Log(level, text); });
  MimeBuilder builder(config_.from_email, config_.from_name);
  std::optional<bool> read_write;  // the token carries Mail.ReadWrite; asked once
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto mime = builder.Build(batch[i], /*bcc_header=*/true);
    if (!mime.ok()) {
      run.Settle(i, ResultOfInvalidMessage(batch[i].id, mime.status().message()));
      continue;
    }
    GraphJob job{i, std::move(mime).value(), false};
    if (SendMailBodySize(job.mime.data.size()) > kMaxGraphRequestBytes) {
      // Too large for one request (docs/delivery.md, The Microsoft Graph
      // route: large messages): without Mail.ReadWrite refused before any
      // Graph request; with it, a draft without the attachments, which must
      // itself fit in one request.
      if (!read_write) {
        auto token = tokens_->Get();
        read_write = false;
        if (token.ok()) {
          auto claims = DecodeJwtClaims(token.value());
          read_write = claims.ok() && claims->HasRole(kGraphReadWriteRole);
        }
      }
      const std::size_t size = job.mime.data.size();
      if (*read_write) {
        notify::Message bare = batch[i];
        bare.attachments.clear();
        auto draft = builder.Build(bare, /*bcc_header=*/true);
        if (draft.ok() && SendMailBodySize(draft->data.size()) <= kMaxGraphRequestBytes) {
          job.mime = std::move(draft).value();
          job.large = true;
          run.jobs.push_back(std::move(job));
          continue;
        }
      }
      run.Settle(i, ResultOf(batch[i].id, LargeMessageRefusal(size, *read_write)));
      continue;
    }
    run.jobs.push_back(std::move(job));
  }
  const std::size_t per_worker =
      (run.jobs.size() + kMaxGraphRequestsPerMailbox - 1) / kMaxGraphRequestsPerMailbox;
  run.StartDeadline(DeliverDeadline(config_.timeout, per_worker));

  std::size_t workers = std::min<std::size_t>(kMaxGraphRequestsPerMailbox, run.jobs.size());
  RunWorkers(workers, [&] { Worker(run); });

  DeliverCall::Outcome outcome = run.Finish();
  if (given_up != nullptr) *given_up = run.given_up();
  Log(notify::LogLevel::kInfo,
      "graph: " + std::to_string(run.accepted) + " accepted, " + std::to_string(run.refused) +
          " refused" +
          (outcome.left_for_later > 0 ? ", " + std::to_string(outcome.left_for_later) +
                                            " left for a later call (deadline of " +
                                            std::to_string(run.deadline_length().count()) + " s)"
                                      : ""));
  return std::move(outcome.results);
}

void GraphRoute::Impl::Worker(Run& run) {
  ScopedSigpipeBlock no_sigpipe;
  std::unique_ptr<GraphClient> client = TakeClient();
  for (;;) {
    if (run.PastDeadline() || run.stop().stopped()) break;
    const GraphJob* job = nullptr;
    {
      std::lock_guard<std::mutex> lock(run.mutex);
      if (run.next_job >= run.jobs.size() || run.given_up()) break;
      job = &run.jobs[run.next_job++];
    }
    try {
      SendJob(run, *client, *job);
    } catch (...) {
      // Possibly in the middle of a request: its outcome is not known.
      run.GiveUp(Status::Unknown("internal error: " + notify::sdk::DescribeCurrentException()));
      client = std::make_unique<GraphClient>(config_, tls_);
    }
  }
  ReturnClient(std::move(client));
}

void GraphRoute::Impl::SendJob(Run& run, GraphClient& client, const GraphJob& job) {
  const std::string& id = run.batch()[job.index].id;
  Backoff backoff(PauseCap(config_.timeout));
  bool refreshed = false;
  int throttled = 0;
  int unreached = 0;
  std::string rejected_token;
  for (;;) {
    if (!WaitTurn(run)) return;
    MailboxSlot slot = MailboxSlot::Acquire(host_.Slots(), GraphSlotKey(config_.from_email),
                                            kMaxGraphRequestsPerMailbox, config_.timeout);
    if (!slot.held()) {
      run.GiveUp(NoFreeSlot("Microsoft Graph request slot", config_.from_email,
                            kMaxGraphRequestsPerMailbox, config_.timeout));
      return;
    }
    auto token =
        refreshed && !rejected_token.empty() ? tokens_->Refresh(rejected_token) : tokens_->Get();
    rejected_token.clear();
    if (!token.ok()) {
      run.GiveUp(token.status());  // the same for every message
      return;
    }
    HttpsAnswer answer = job.large ? SendLargeMessage(client, token.value(), job.mime.data,
                                                      run.batch()[job.index].attachments)
                                   : client.SendMail(token.value(), job.mime.data);
    slot.Release();
    Status status = StatusOfGraphAnswer(answer, config_);
    if (FreshTokenMayHelp(answer) && !refreshed) {
      refreshed = true;  // one refresh and retry (docs/delivery.md, Tokens)
      rejected_token = token.value();
      continue;
    }
    if (answer.http_status == 429 && ++throttled < kMaxThrottledTries) {
      const auto wait =
          status.retry_after().count() > 0 ? milliseconds(status.retry_after()) : backoff.Next();
      Pace(run, wait);
      run.NoteFailure(status.message());
      continue;
    }
    if (answer.http_status == 0 && !answer.request_sent && !answer.certificate_problem) {
      // Nothing left this client: try again after a pause, then give up.
      run.NoteFailure(status.message());
      if (++unreached >= kMaxConnectAttempts) {
        run.GiveUp(status);
        return;
      }
      const milliseconds pause = backoff.Next();
      if (run.PastDeadline(pause) || !clock_.Pause(pause, run.stop())) return;
      continue;
    }
    if (answer.http_status >= 500 && status.retry_after().count() > 0) {
      Pace(run, milliseconds(status.retry_after()));  // the others wait too
    }
    Settle(run, job, ResultOfGraph(id, status, answer.http_status));
    if (RefusesEveryMessage(status)) run.GiveUp(status);
    return;
  }
}

bool GraphRoute::Impl::WaitTurn(Run& run) {
  for (;;) {
    if (run.stop().stopped()) return false;
    Clock::TimePoint not_before;
    {
      std::lock_guard<std::mutex> lock(run.mutex);
      not_before = run.not_before;
    }
    const Clock::TimePoint now = clock_.Now();
    if (now >= not_before) return !run.PastDeadline();
    const auto wait = std::chrono::ceil<milliseconds>(not_before - now);
    if (run.PastDeadline(wait)) return false;
    if (!clock_.Pause(wait, run.stop())) return false;
  }
}

void GraphRoute::Impl::Pace(Run& run, milliseconds pause) {
  std::lock_guard<std::mutex> lock(run.mutex);
  run.not_before = std::max(run.not_before, clock_.Now() + pause);
}

// Counts what Graph answered, apart from the messages refused before any request.
void GraphRoute::Impl::Settle(Run& run, const GraphJob& job, DeliveryResult result) {
  const bool accepted = result.status == notify::DeliveryStatus::kDelivered;
  if (!run.Settle(job.index, std::move(result))) return;
  std::lock_guard<std::mutex> lock(run.mutex);
  (accepted ? run.accepted : run.refused) += 1;
}

std::unique_ptr<GraphClient> GraphRoute::Impl::TakeClient() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<GraphClient>(config_, tls_);
}

void GraphRoute::Impl::ReturnClient(std::unique_ptr<GraphClient> client) {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (idle_.size() < static_cast<std::size_t>(kMaxGraphRequestsPerMailbox)) {
    idle_.push_back(std::move(client));
  }
}

void GraphRoute::Impl::Log(notify::LogLevel level, const std::string& text) {
  LogForServer(host_, config_.server_name, level, text);
}

GraphRoute::GraphRoute(M365Config config, Poco::Net::Context::Ptr tls,
                       std::shared_ptr<TokenSource> tokens, notify::HostContext& host, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(tls), std::move(tokens), host,
                                   clock)) {}

GraphRoute::~GraphRoute() = default;

std::vector<DeliveryResult> GraphRoute::Deliver(const std::vector<notify::Message>& batch,
                                                std::optional<Status>* given_up) {
  return impl_->Deliver(batch, given_up);
}

}  // namespace m365
