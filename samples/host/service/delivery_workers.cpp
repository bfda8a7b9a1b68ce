#include "service/delivery_workers.hpp"

#include <Poco/Logger.h>
#include <Poco/NumberParser.h>

#include <algorithm>

#include "notify/sdk/results.hpp"
#include "terminal_text.hpp"

namespace notify_host {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("notify.service.delivery"); }

// The start of every delivery log line: which ruleset, which notification.
std::string Tag(const std::string& ruleset, const std::string& id = "") {
  return "ruleset=" + ForTerminal(ruleset) + (id.empty() ? "" : " notification=" + id);
}

// Expired notifications are looked for at most this often.
constexpr std::int64_t kExpiryEveryMs = 5000;

}  // namespace

int BatchSizeOf(const notify::Settings& settings, int fallback) {
  auto it = settings.find("batch_size");
  if (it == settings.end() || it->second.empty()) return fallback;
  if (it->second == "small") return 10;
  if (it->second == "medium") return 30;
  if (it->second == "large") return 100;
  int n = 0;
  if (Poco::NumberParser::tryParse(it->second, n) && n > 0) return std::min(n, 1000);
  return fallback;
}

DeliveryWorkers::DeliveryWorkers(WorkerSettings settings, DeliveryQueue& queue,
                                 const std::vector<LoadedChannel>& channels,
                                 ServiceMetrics& metrics, NowMs now, Jitter jitter)
    : settings_(std::move(settings)),
      queue_(queue),
      channels_(channels),
      metrics_(metrics),
      now_(std::move(now)),
      jitter_(std::move(jitter)) {}

DeliveryWorkers::~DeliveryWorkers() { Stop(); }

void DeliveryWorkers::Start() {
  queue_.ReleaseAbandonedClaims(now_());
  auto stored = queue_.LoadHealth();
  std::lock_guard<std::mutex> lock(mutex_);
  health_ = std::move(stored);
  started_ = true;
  dispatcher_ = std::thread([this] { DispatchLoop(); });
  for (int i = 0; i < std::max(1, settings_.workers); ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
}

void DeliveryWorkers::Wake() {
  std::lock_guard<std::mutex> lock(mutex_);
  wake_requested_ = true;
  wake_.notify_all();
}

void DeliveryWorkers::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
    wake_.notify_all();
    job_ready_.notify_all();
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  // Workers finish the jobs already handed out (their notifications are
  // claimed: leaving them would only delay them to the next start).
  for (auto& w : workers_) w.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  idle_senders_.clear();
}

std::map<std::string, RulesetHealth> DeliveryWorkers::Health() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return health_;
}

int DeliveryWorkers::Running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

std::uint64_t DeliveryWorkers::DispatchRounds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rounds_;
}

void DeliveryWorkers::DispatchLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    try {
      RenewClaims(lock);
      ClaimDueWork(lock);
    } catch (const std::exception& e) {
      // The database may be busy or gone for a moment; the next round tries
      // again. The error may have come while the lock was released.
      if (!lock.owns_lock()) lock.lock();
      Log().error(std::string("cannot claim due notifications: ") + ForTerminal(e.what()));
    }
    ++rounds_;
    if (stopping_) break;
    wake_.wait_for(lock, settings_.poll, [this] { return stopping_ || wake_requested_; });
    wake_requested_ = false;
  }
}

// Called with `lock` held; releases it around the database call. Claims of
// Deliver calls still running are renewed every third of the lease, so a
// slow call keeps them and a crashed host's lapse (docs/several-hosts.md).
void DeliveryWorkers::RenewClaims(std::unique_lock<std::mutex>& lock) {
  const std::int64_t now = now_();
  if (claimed_.empty() || now - last_renewal_ms_ < settings_.claim_lease.count() / 3) return;
  std::vector<std::string> ids;
  ids.reserve(claimed_.size());
  for (const auto& [id, count] : claimed_) ids.push_back(id);
  lock.unlock();
  // A renewal that fails (the database is busy or restarting) throws and is
  // tried again next round, not a third of the lease later: the lease runs.
  queue_.ExtendClaims(ids, now);
  lock.lock();
  last_renewal_ms_ = now;
}

// Called with `lock` held; releases it around database calls.
void DeliveryWorkers::ClaimDueWork(std::unique_lock<std::mutex>& lock) {
  const std::int64_t now = now_();
  if (now - last_expiry_ms_ >= kExpiryEveryMs) {
    last_expiry_ms_ = now;
    lock.unlock();
    auto expired = queue_.ExpireOlderThan(now - settings_.retry.max_age.count(), now);
    lock.lock();
    // One line per notification, as an expiry after an attempt has, with
    // its ruleset and id (docs/service.md, "Logs").
    for (const auto& [id, ruleset] : expired) {
      Log().warning(Tag(ruleset, id) + " expired: older than delivery.max_age, not delivered");
      metrics_.Outcome(ruleset, "expired");
    }
  }
  lock.unlock();
  std::vector<std::string> due = queue_.RulesetsWithDue(now);
  lock.lock();
  for (const auto& name : due) {
    if (stopping_) return;
    if (running_ >= settings_.workers) return;
    if (in_flight_[name] >= settings_.calls_per_ruleset) continue;
    lock.unlock();
    std::optional<DeliveryRuleset> ruleset = queue_.FindRuleset(name);
    lock.lock();
    if (!ruleset) continue;  // deleted since it was queued: its notifications wait for it
    auto& health = health_[name];
    if (health.state == "failing") {
      if (health.failing_revision == ruleset->revision) continue;  // still the failing settings
      Log().information(Tag(name) + " saved again (revision " + std::to_string(ruleset->revision) +
                        "): delivery resumes");
      health = RulesetHealth{};
      queue_.SaveHealth(name, health);
    }
    const LoadedChannel* channel = nullptr;
    for (const auto& c : channels_)
      if (c.id == ruleset->channel) channel = &c;
    if (!channel) continue;  // its plugin is not loaded: the notifications wait
    const std::size_t batch =
        static_cast<std::size_t>(BatchSizeOf(ruleset->settings, settings_.default_batch));
    while (!stopping_ && running_ < settings_.workers &&
           in_flight_[name] < settings_.calls_per_ruleset && health.state != "failing") {
      // Claimed under the lock: a worker that turns the ruleset failing waits
      // for this claim, and no claim is made once it is failing.
      std::vector<ClaimedNotification> claimed = queue_.Claim(name, now, batch);
      if (claimed.empty()) break;
      if (claimed_.empty()) last_renewal_ms_ = now;
      for (const auto& n : claimed) ++claimed_[n.id];
      ++running_;
      ++in_flight_[name];
      jobs_.push_back(Job{*ruleset, channel, std::move(claimed)});
      job_ready_.notify_one();
    }
  }
}

void DeliveryWorkers::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    job_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing handed out is left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      Run(job);
    } catch (const std::exception& e) {
      // Recording failed: the claims stay `sending` and are no longer
      // renewed; they go back to the queue at the next start, or when their
      // lease lapses on a database several hosts share (at least once, with
      // the same Message-ID; never lost).
      Log().error(Tag(job.ruleset.name) + " cannot record a delivery: " + ForTerminal(e.what()));
    }
    lock.lock();
    for (const auto& n : job.batch)
      if (--claimed_[n.id] <= 0) claimed_.erase(n.id);
    --running_;
    --in_flight_[job.ruleset.name];
    wake_requested_ = true;
    wake_.notify_all();
  }
}

DeliveryWorkers::OpenSender DeliveryWorkers::TakeSender(const Job& job,
                                                        notify::ValidationReport* report) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& idle = idle_senders_[job.ruleset.name];
    while (!idle.empty()) {
      OpenSender entry = std::move(idle.back());
      idle.pop_back();
      if (entry.revision == job.ruleset.revision) return entry;
    }
  }
  auto opened = job.channel->channel->Open(job.ruleset.settings);
  *report = opened.report;
  OpenSender fresh;
  fresh.revision = job.ruleset.revision;
  fresh.sender = std::move(opened.sender);
  return fresh;
}

void DeliveryWorkers::ReturnSender(const Job& job, OpenSender sender) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  idle_senders_[job.ruleset.name].push_back(std::move(sender));
}

void DeliveryWorkers::CountTokenRequests(const Job& job, OpenSender& open) {
  const notify::SenderCounters now = notify::CountersOf(job.channel->api, *open.sender);
  auto add = [&](const char* outcome, std::uint64_t total, std::uint64_t counted) {
    // Totals only grow; a smaller one (a faulty plugin) adds nothing.
    if (total > counted)
      metrics_.TokenRequests(job.ruleset.name, outcome, static_cast<double>(total - counted));
  };
  add("granted", now.token_requests_granted, open.counted.token_requests_granted);
  add("refused", now.token_requests_refused, open.counted.token_requests_refused);
  add("failed", now.token_requests_failed, open.counted.token_requests_failed);
  open.counted = now;
}

void DeliveryWorkers::Run(Job& job) {
  const std::string& name = job.ruleset.name;
  std::vector<notify::Message> messages;
  messages.reserve(job.batch.size());
  const bool takes_id = notify::TakesMessageId(job.channel->api);
  for (const auto& n : job.batch) {
    messages.push_back(n.message);
    // The same Message-ID at every attempt (docs/service.md, "Outbox").
    if (takes_id && !n.message_id.empty())
      messages.back().extra_headers.emplace_back("Message-ID", n.message_id);
  }
  const std::int64_t started = now_();
  std::vector<notify::DeliveryResult> results;
  notify::SenderHealth reported;  // the sender's own view (API 1.1), when it has one
  notify::ValidationReport report;
  OpenSender sender = TakeSender(job, &report);
  if (sender.sender) {
    auto t0 = std::chrono::steady_clock::now();
    results = notify::sdk::OneResultPerMessage(messages, sender.sender->Deliver(messages));
    reported = notify::HealthOf(job.channel->api, *sender.sender);
    CountTokenRequests(job, sender);
    metrics_.DeliverCall(
        name, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  } else {
    // Settings the channel no longer accepts (a plugin update, an edit in
    // the database): the ruleset fails as a whole.
    std::string cause = "the channel refused the ruleset's settings";
    std::string remedy = "Open the ruleset, fix the settings and save it again.";
    for (const auto& issue : report.issues) {
      if (issue.severity != notify::Severity::kError) continue;
      cause += ": " + issue.field + ": " + issue.message;
      if (!issue.remedy.empty()) remedy = issue.remedy;
      break;
    }
    for (const auto& m : messages) {
      notify::DeliveryResult r;
      r.id = m.id;
      r.status = notify::DeliveryStatus::kRejected;
      r.detail = cause + " Remedy: " + remedy;
      results.push_back(r);
    }
  }
  const std::int64_t finished = now_();
  std::optional<RulesetFailure> failure = FindRulesetFailure(results);
  if (failure && reported.state == notify::HealthState::kFailing) {
    // The channel's own words are better than the host's reading of a result.
    if (!reported.cause.empty()) failure->cause = reported.cause;
    if (!reported.remedy.empty()) failure->remedy = reported.remedy;
  }
  bool any_delivered = false;
  std::vector<AttemptRecord> attempts;
  for (std::size_t i = 0; i < job.batch.size(); ++i) {
    const ClaimedNotification& n = job.batch[i];
    AttemptRecord a;
    a.id = n.id;
    a.attempt = n.attempts + 1;
    a.started_at_ms = started;
    a.finished_at_ms = finished;
    a.result = results[i];
    a.next_attempt_at_ms = finished;
    const std::string tag = Tag(name, n.id);
    switch (a.result.status) {
      case notify::DeliveryStatus::kDelivered:
        a.new_status = "delivered";
        any_delivered = true;
        Log().debug(tag + " delivered " + std::to_string(a.result.code));
        break;
      case notify::DeliveryStatus::kRejected:
        if (failure && IsRulesetLevel(a.result)) {
          a.new_status = "queued";  // waits for the ruleset to be fixed
        } else {
          a.new_status = "rejected";
          Log().warning(tag + " rejected: " + ForTerminal(a.result.detail));
        }
        break;
      case notify::DeliveryStatus::kRetryLater:
        if (finished - n.created_at_ms >= settings_.retry.max_age.count()) {
          a.new_status = "expired";
          Log().warning(tag + " expired after " + std::to_string(a.attempt) +
                        " attempts: " + ForTerminal(a.result.detail));
        } else {
          a.new_status = "retry_later";
          a.next_attempt_at_ms =
              finished +
              RetryDelay(settings_.retry, a.attempt, a.result.retry_after_s, jitter_()).count();
          Log().information(tag + " retry_later (attempt " + std::to_string(a.attempt) +
                            "): " + ForTerminal(a.result.detail));
        }
        break;
    }
    metrics_.Outcome(name, a.new_status == "queued" ? "held" : a.new_status);
    attempts.push_back(std::move(a));
  }
  RecordResults(name, attempts);
  UpdateHealth(job, failure, any_delivered, reported);
  if (sender.sender && !failure) ReturnSender(job, std::move(sender));
}

// The database may be gone for a moment (a PostgreSQL restart,
// docs/several-hosts.md): the results are stored again for up to half a
// lease, while the claims still hold, rather than left to lapse and be
// delivered a second time. Past that, the error goes to WorkerLoop.
void DeliveryWorkers::RecordResults(const std::string& ruleset,
                                    const std::vector<AttemptRecord>& attempts) {
  const auto give_up = std::chrono::steady_clock::now() + settings_.claim_lease / 2;
  for (;;) {
    try {
      queue_.Record(ruleset, attempts);
      return;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= give_up) throw;
      Log().warning(Tag(ruleset) +
                    " cannot record a delivery yet, trying again: " + ForTerminal(e.what()));
    }
    // A real outage's pace, not a test's: one try every 200 ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void DeliveryWorkers::UpdateHealth(const Job& job, const std::optional<RulesetFailure>& failure,
                                   bool any_delivered, const notify::SenderHealth& reported) {
  const std::string& name = job.ruleset.name;
  RulesetHealth changed;
  bool save = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    RulesetHealth& h = health_[name];
    if (failure) {
      ++h.consecutive_failures;
      if (h.state != "failing") {
        h.state = "failing";
        h.since_ms = now_();
        h.cause = failure->cause;
        h.remedy = failure->remedy;
        h.failing_revision = job.ruleset.revision;
        // One line when it turns failing, not one per notification.
        Log().error(Tag(name) + " channel health failing: " + ForTerminal(h.cause) +
                    " Remedy: " + ForTerminal(h.remedy) +
                    " Its notifications wait until the ruleset is saved again.");
        save = true;
      }
    } else if (any_delivered) {
      // Delivering; a warning of the channel's (a credential expiring soon)
      // shows as `warning` with its cause until it is dealt with.
      std::string state = reported.state == notify::HealthState::kWarning ? "warning" : "ok";
      if (h.state != state || h.cause != reported.cause ||
          h.credential_expires_unix_s != reported.credential_expires_unix_s) {
        if (state == "warning" && h.state != "warning")
          Log().warning(Tag(name) + " channel health warning: " + ForTerminal(reported.cause) +
                        " Remedy: " + ForTerminal(reported.remedy));
        h = RulesetHealth{};
        h.state = state;
        h.since_ms = now_();
        if (state == "warning") {
          h.cause = reported.cause;
          h.remedy = reported.remedy;
        }
        h.credential_expires_unix_s = reported.credential_expires_unix_s;
        save = true;
      }
    }
    changed = h;
  }
  if (save) queue_.SaveHealth(name, changed);
}

}  // namespace notify_host
