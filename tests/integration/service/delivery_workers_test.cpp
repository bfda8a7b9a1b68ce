// The outbox workers against an in-memory outbox and a scripted channel:
// batching, the per-ruleset bound, retry pacing, expiry, and a ruleset whose
// credentials fail (docs/service.md, "Outbox" and "Health").
#include "service/delivery_workers.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>

#include "fake_outbox.hpp"
#include "notify/test_support/wait_until.hpp"

namespace notify_host {
namespace {

using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify_host::testing::FakeOutbox;

// What the scripted channel answers for one message.
using Script = std::function<DeliveryResult(const notify::Message&)>;

struct ChannelStats {
  std::mutex mutex;
  int running = 0;
  int peak_running = 0;
  int calls = 0;
  std::vector<std::size_t> batch_sizes;
  int opens = 0;
};

class ScriptedSender : public notify::Sender {
 public:
  ScriptedSender(ChannelStats& stats, Script& script) : stats_(stats), script_(script) {}
  std::vector<DeliveryResult> Deliver(const std::vector<notify::Message>& batch) noexcept override {
    // A token for its first call, then the cached one (a real channel's
    // counters, host API 1.3).
    if (counters_.token_requests_granted == 0) ++counters_.token_requests_granted;
    {
      std::lock_guard<std::mutex> lock(stats_.mutex);
      ++stats_.calls;
      stats_.peak_running = std::max(stats_.peak_running, ++stats_.running);
      stats_.batch_sizes.push_back(batch.size());
    }
    // Held until three calls overlap (or briefly, when fewer are due), so
    // that the dispatcher hands out every call it would.
    notify::test_support::WaitUntil(
        [&] {
          std::lock_guard<std::mutex> lock(stats_.mutex);
          return stats_.running >= 3;
        },
        std::chrono::milliseconds(20));
    std::vector<DeliveryResult> out;
    for (const auto& m : batch) {
      DeliveryResult r = script_(m);
      r.id = m.id;
      out.push_back(r);
    }
    std::lock_guard<std::mutex> lock(stats_.mutex);
    --stats_.running;
    return out;
  }

  notify::SenderCounters Counters() const noexcept override { return counters_; }

 private:
  ChannelStats& stats_;
  Script& script_;
  notify::SenderCounters counters_;  // Deliver and Counters run on one worker thread here
};

class ScriptedChannel : public notify::NotificationChannel {
 public:
  ScriptedChannel(ChannelStats& stats, Script& script) : stats_(stats), script_(script) {}
  notify::ChannelInfo Info() const noexcept override { return {"scripted", "Scripted", "1", ""}; }
  std::vector<notify::FieldDescriptor> Fields() const noexcept override { return {}; }
  notify::ValidationReport Validate(const notify::Settings&,
                                    const notify::ValidationOptions&) noexcept override {
    return {};
  }
  notify::OpenResult Open(const notify::Settings&) noexcept override {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    ++stats_.opens;
    return {std::make_unique<ScriptedSender>(stats_, script_), {}};
  }

 private:
  ChannelStats& stats_;
  Script& script_;
};

// Keeps the lines of one logger.
class LinesChannel : public Poco::Channel {
 public:
  void log(const Poco::Message& m) override {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back({m.getPriority(), m.getText()});
  }
  int Count(Poco::Message::Priority p, const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex);
    int n = 0;
    for (const auto& [prio, line] : lines)
      if (prio == p && line.find(text) != std::string::npos) ++n;
    return n;
  }
  std::mutex mutex;
  std::vector<std::pair<Poco::Message::Priority, std::string>> lines;
};

DeliveryResult Delivered(const notify::Message&) {
  DeliveryResult r;
  r.status = DeliveryStatus::kDelivered;
  r.code = 250;
  return r;
}

class Workers : public ::testing::Test {
 protected:
  void SetUp() override {
    channels_.push_back({"scripted.so",
                         "scripted",
                         "Scripted",
                         "1",
                         {1, 0},
                         std::make_shared<ScriptedChannel>(stats_, script_)});
    outbox_.SetRuleset({"ops", "scripted", {{"batch_size", "small"}}, 1});
    log_ = new LinesChannel;
    Poco::Logger::get("notify.service.delivery").setChannel(log_);
    Poco::Logger::get("notify.service.delivery").setLevel(Poco::Message::PRIO_DEBUG);
    settings_.workers = 4;
    settings_.calls_per_ruleset = 3;
    settings_.poll = std::chrono::milliseconds(20);
    settings_.retry.base = std::chrono::seconds(30);
    settings_.retry.max_age = std::chrono::hours(24);
  }
  void Start() {
    workers_ = std::make_unique<DeliveryWorkers>(
        settings_, outbox_, channels_, metrics_, [this] { return now_ms_.load(); },
        [] { return 0.0; });
    workers_->Start();
  }
  void TearDown() override {
    if (workers_) workers_->Stop();
    Poco::Logger::get("notify.service.delivery").setChannel(nullptr);
  }
  bool Settled(const std::string& status, int count) {
    return Eventually([&] { return outbox_.CountByStatus()[status] == count; });
  }
  template <class F>
  static bool Eventually(F done) {
    return notify::test_support::WaitUntil(done, std::chrono::seconds(20));
  }
  // Wakes the dispatcher and waits until a whole round began after the wake.
  void LookedAtOnce() {
    const std::uint64_t before = workers_->DispatchRounds();
    workers_->Wake();
    ASSERT_TRUE(Eventually([&] { return workers_->DispatchRounds() >= before + 2; }));
  }

  ChannelStats stats_;
  Script script_ = Delivered;
  std::vector<LoadedChannel> channels_;
  FakeOutbox outbox_;
  ServiceMetrics metrics_;
  WorkerSettings settings_;
  std::atomic<std::int64_t> now_ms_{1'000'000};
  Poco::AutoPtr<LinesChannel> log_;
  std::unique_ptr<DeliveryWorkers> workers_;
};

TEST_F(Workers, DueNotificationsGoInBatchesOfTheRulesetsSizeAtMostThreeCallsAtOnce) {
  for (int i = 0; i < 95; ++i) outbox_.Add("n" + std::to_string(i), "ops", now_ms_);
  Start();
  ASSERT_TRUE(Settled("delivered", 95)) << outbox_.CountByStatus().size();
  std::lock_guard<std::mutex> lock(stats_.mutex);
  EXPECT_EQ(stats_.calls, 10);  // 9 of 10 and one of 5
  for (auto n : stats_.batch_sizes) EXPECT_LE(n, 10u);
  EXPECT_LE(stats_.peak_running, 3);
  EXPECT_GE(stats_.peak_running, 2) << "calls of one ruleset run side by side";
  EXPECT_LE(stats_.opens, 3) << "senders are kept for the next batch";
}

TEST_F(Workers, RetryLaterWaitsForTheBackOffAndTheRetryAfter) {
  int calls = 0;
  script_ = [&](const notify::Message& m) {
    DeliveryResult r;
    if (++calls <= 2) {
      r.status = DeliveryStatus::kRetryLater;
      r.code = 421;
      r.retry_after_s = calls == 1 ? 0 : 100;
      r.detail = "4.3.2 Service not available";
      return r;
    }
    return Delivered(m);
  };
  outbox_.Add("n1", "ops", now_ms_);
  Start();
  ASSERT_TRUE(Settled("retry_later", 1));
  EXPECT_EQ(outbox_.Get("n1").next_at, now_ms_ + 15'000);  // 30 s base, no jitter: 15 s
  now_ms_ += 14'999;
  LookedAtOnce();
  EXPECT_EQ(outbox_.Attempts().size(), 1u) << "not tried before its time";
  now_ms_ += 1;
  workers_->Wake();
  ASSERT_TRUE(Eventually([&] { return outbox_.Attempts().size() == 2; }));
  // The second wait is the channel's Retry-After (100 s), more than the back-off (30 s).
  EXPECT_EQ(outbox_.Get("n1").next_at, now_ms_ + 100'000);
  now_ms_ += 100'000;
  workers_->Wake();
  ASSERT_TRUE(Settled("delivered", 1));
  auto attempts = outbox_.Attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[2].attempt, 3);
  EXPECT_EQ(attempts[2].new_status, "delivered");
}

TEST_F(Workers, ANotificationOlderThanMaxAgeExpiresInsteadOfRetrying) {
  script_ = [](const notify::Message&) {
    DeliveryResult r;
    r.status = DeliveryStatus::kRetryLater;
    r.code = 421;
    return r;
  };
  settings_.retry.max_age = std::chrono::minutes(10);
  outbox_.Add("old", "ops", now_ms_ - 11 * 60'000);
  outbox_.Add("new", "ops", now_ms_);
  Start();
  ASSERT_TRUE(Settled("expired", 1));
  ASSERT_TRUE(Settled("retry_later", 1));
  EXPECT_EQ(outbox_.Get("old").status, "expired");
}

// A notification that waited past max_age without a further attempt (its
// retry was not due, or its ruleset is failing) expires with a log line that
// names its ruleset and id, and counts under its ruleset.
TEST_F(Workers, AWaitingNotificationPastMaxAgeExpiresWithItsRulesetAndIdLogged) {
  settings_.retry.max_age = std::chrono::minutes(10);
  outbox_.Add("old", "ops", now_ms_ - 11 * 60'000);
  Start();
  ASSERT_TRUE(Settled("expired", 1));
  EXPECT_EQ(log_->Count(Poco::Message::PRIO_WARNING,
                        "ruleset=ops notification=old expired: older than delivery.max_age"),
            1);
  {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    EXPECT_EQ(stats_.calls, 0) << "expired while waiting, not after an attempt";
  }
  const std::string text = metrics_.Render({});
  EXPECT_NE(text.find(R"(notify_delivery_outcomes_total{outcome="expired",ruleset="ops"} 1)"),
            std::string::npos)
      << text;
}

TEST_F(Workers, ARejectedMessageIsFinalAndTheOthersOfItsBatchGoOn) {
  script_ = [](const notify::Message& m) {
    DeliveryResult r = Delivered(m);
    if (m.id == "bad") {
      r.status = DeliveryStatus::kRejected;
      r.code = 550;
      r.enhanced = "5.1.10";
      r.detail = "Recipient not found";
    }
    return r;
  };
  outbox_.Add("a", "ops", now_ms_);
  outbox_.Add("bad", "ops", now_ms_);
  outbox_.Add("b", "ops", now_ms_);
  Start();
  ASSERT_TRUE(Settled("delivered", 2));
  ASSERT_TRUE(Settled("rejected", 1));
  EXPECT_EQ(workers_->Health()["ops"].state, "ok");
}

TEST_F(Workers, AnExpiredSecretTurnsTheRulesetFailingOnceAndItsNotificationsWait) {
  script_ = [](const notify::Message&) {
    DeliveryResult r;
    r.status = DeliveryStatus::kRejected;
    r.detail = "token: AADSTS7000222: the client secret has expired. Remedy: Create a new secret.";
    return r;
  };
  for (int i = 0; i < 25; ++i) outbox_.Add("n" + std::to_string(i), "ops", now_ms_);
  Start();
  ASSERT_TRUE(Eventually([&] { return workers_->Health()["ops"].state == "failing"; }));
  ASSERT_TRUE(Eventually([&] { return workers_->Running() == 0; }));
  int calls_when_failing = 0;
  {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    calls_when_failing = stats_.calls;
  }
  // No more Deliver calls (so no token requests) while the revision is the same.
  for (int i = 0; i < 5; ++i) {
    now_ms_ += 60'000;
    LookedAtOnce();
  }
  {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    EXPECT_EQ(stats_.calls, calls_when_failing);
    EXPECT_LE(calls_when_failing, 3) << "the calls already running when it turned failing";
  }
  EXPECT_EQ(outbox_.CountByStatus()["rejected"], 0) << "not rejected in bulk";
  EXPECT_EQ(outbox_.CountByStatus()["queued"], 25);
  auto health = workers_->Health()["ops"];
  EXPECT_EQ(health.cause, "token: AADSTS7000222: the client secret has expired.");
  EXPECT_EQ(health.remedy, "Create a new secret.");
  EXPECT_EQ(log_->Count(Poco::Message::PRIO_ERROR, "ruleset=ops channel health failing"), 1);
  // Saved again with a new secret: delivery resumes.
  script_ = Delivered;
  outbox_.SetRuleset({"ops", "scripted", {{"batch_size", "small"}}, 2});
  workers_->Wake();
  ASSERT_TRUE(Settled("delivered", 25));
  EXPECT_EQ(workers_->Health()["ops"].state, "ok");
}

TEST_F(Workers, ThePluginGetsTheNotificationsMessageIdOnlyFromApi12On) {
  std::mutex mutex;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> seen;
  script_ = [&](const notify::Message& m) {
    std::lock_guard<std::mutex> lock(mutex);
    seen[m.id] = m.extra_headers;
    return Delivered(m);
  };
  channels_.push_back({"new.so",
                       "scripted12",
                       "Scripted 1.2",
                       "1",
                       {1, 2},
                       std::make_shared<ScriptedChannel>(stats_, script_)});
  outbox_.SetRuleset({"new", "scripted12", {}, 1});
  outbox_.Add("old-api", "ops", now_ms_);
  outbox_.Add("new-api", "new", now_ms_);
  Start();
  ASSERT_TRUE(Settled("delivered", 2));
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_TRUE(seen["old-api"].empty()) << "a 1.0 plugin would refuse the header";
  ASSERT_EQ(seen["new-api"].size(), 1u);
  EXPECT_EQ(seen["new-api"][0].first, "Message-ID");
  EXPECT_EQ(seen["new-api"][0].second, "<new-api@notify-host>");
}

// The value of one sample line of the metrics' text, -1 when absent.
double Sample(const std::string& text, const std::string& sample) {
  auto at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

TEST_F(Workers, TheTokenRequestsASenderCountedAreAddedOnceFromApi13On) {
  ChannelStats new_stats;  // the 1.3 channel's own
  channels_.push_back({"new.so",
                       "scripted13",
                       "Scripted 1.3",
                       "1",
                       {1, 3},
                       std::make_shared<ScriptedChannel>(new_stats, script_)});
  outbox_.SetRuleset({"new", "scripted13", {{"batch_size", "small"}}, 1});
  for (int i = 0; i < 95; ++i) outbox_.Add("n" + std::to_string(i), "new", now_ms_);
  outbox_.Add("old-api", "ops", now_ms_);
  Start();
  ASSERT_TRUE(Settled("delivered", 96));
  workers_->Stop();
  const std::string text = metrics_.Render({});
  std::lock_guard<std::mutex> lock(new_stats.mutex);
  EXPECT_EQ(new_stats.calls, 10);
  // One request per sender opened (its later calls reuse the token), read
  // again after every call and added once: not one per call or message.
  EXPECT_EQ(Sample(text, R"(notify_token_requests_total{outcome="granted",ruleset="new"})"),
            new_stats.opens)
      << text;
  EXPECT_LE(new_stats.opens, 3);
  EXPECT_EQ(text.find(R"(notify_token_requests_total{outcome="granted",ruleset="ops"})"),
            std::string::npos)
      << "a 1.0 plugin has no counters\n"
      << text;
}

TEST_F(Workers, StopWaitsForTheRunningCallsAndRecordsThem) {
  for (int i = 0; i < 30; ++i) outbox_.Add("n" + std::to_string(i), "ops", now_ms_);
  Start();
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    return stats_.calls > 0;
  }));
  workers_->Stop();
  auto counts = outbox_.CountByStatus();
  EXPECT_EQ(counts["sending"], 0) << "every call handed out was finished and recorded";
  EXPECT_EQ(counts["delivered"] + counts["queued"], 30);
}

TEST_F(Workers, ClaimsAreRenewedWhileTheirDeliverCallRunsAndNotOnceRecorded) {
  settings_.claim_lease = std::chrono::milliseconds(3000);
  std::atomic<bool> answer{false};
  script_ = [&](const notify::Message& m) {
    notify::test_support::WaitUntil([&] { return answer.load(); }, std::chrono::seconds(30));
    return Delivered(m);
  };
  outbox_.Add("n1", "ops", now_ms_);
  Start();
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(stats_.mutex);
    return stats_.calls == 1;
  }));
  // A third of the lease passes on the workers' clock, twice, while the
  // call runs: each time the claim is renewed (a crashed host's is not).
  now_ms_ += 1001;
  ASSERT_TRUE(Eventually([&] { return outbox_.RenewedAt("n1").size() == 1; }));
  now_ms_ += 1001;
  ASSERT_TRUE(Eventually([&] { return outbox_.RenewedAt("n1").size() == 2; }));
  EXPECT_EQ(outbox_.RenewedAt("n1")[1], 1'002'002);
  answer = true;
  ASSERT_TRUE(Settled("delivered", 1));
  now_ms_ += 5000;
  LookedAtOnce();
  EXPECT_EQ(outbox_.RenewedAt("n1").size(), 2u) << "a recorded notification is not renewed";
}

}  // namespace
}  // namespace notify_host
