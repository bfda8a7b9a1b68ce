// notify-host serve end to end against the emulator (docs/service.md): a
// POST is delivered with its notification's Message-ID, SIGTERM ends it with
// 0, a kill -9 loses nothing, an outage is paced, an expired secret turns
// the ruleset failing once and stops token requests.
#include <cstdlib>
#include <set>
#include <sstream>

#include "serve_fixture.hpp"

namespace serve_test {
namespace {

using notify::test_support::WaitUntil;
using std::chrono::seconds;

// The long form of the proofs runs with NOTIFY_LONG_PROOFS=1 (ctest -L long).
bool LongForm() { return std::getenv("NOTIFY_LONG_PROOFS") != nullptr; }

class Serve : public ServeFixture {};

TEST_F(Serve, APostedNotificationIsDeliveredWithItsIdsMessageIdAndSigtermEndsWithZero) {
  Prepare();
  ASSERT_GT(StartService(), 0) << Log();
  auto r =
      Http(port_, "POST", "/api/v1/notifications", key_,
           R"({"ruleset":"ops","to":["alice@contoso.com"],"subject":"Disk full","body":"93%"})");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id = Json(r.body)->getValue<std::string>("id");
  EXPECT_EQ(Json(r.body)->getValue<std::string>("status"), "queued");
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(id) == "delivered"; }, seconds(60))) << Log();
  auto n = Json(Http(port_, "GET", "/api/v1/notifications/" + id, key_).body);
  EXPECT_EQ(n->getValue<int>("attempts"), 1);
  const std::string message_id = n->getValue<std::string>("message_id");
  EXPECT_EQ(message_id, "<" + id + "@contoso.onmicrosoft.com>");
  auto received = emulator_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(MessageIdOf(received[0].raw), message_id);
  EXPECT_NE(Log().find("listening on http://127.0.0.1:"), std::string::npos);
  EXPECT_EQ(StopService(SIGTERM), 0) << Log();
  EXPECT_NE(Log().find("stopping on SIGTERM"), std::string::npos);
}

TEST_F(Serve, ARetriedPostWithTheSameIdempotencyKeyIsStoredOnce) {
  Prepare();
  ASSERT_GT(StartService(), 0) << Log();
  const std::string body =
      R"({"ruleset":"ops","to":["alice@contoso.com"],"subject":"once","body":"x"})";
  auto first = Http(port_, "POST", "/api/v1/notifications", key_, body, "k-1");
  auto again = Http(port_, "POST", "/api/v1/notifications", key_, body, "k-1");
  ASSERT_EQ(first.status, 202);
  ASSERT_EQ(again.status, 202);
  EXPECT_EQ(Json(first.body)->getValue<std::string>("id"),
            Json(again.body)->getValue<std::string>("id"));
  auto other = Http(port_, "POST", "/api/v1/notifications", key_,
                    R"({"ruleset":"ops","to":["bob@contoso.com"],"subject":"x"})", "k-1");
  EXPECT_EQ(other.status, 409) << other.body;
  const std::string id = Json(first.body)->getValue<std::string>("id");
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(id) == "delivered"; }, seconds(60))) << Log();
  // The outbox held one notification, so once it is delivered nothing else can come.
  EXPECT_EQ(emulator_->received().size(), 1u);
}

TEST_F(Serve, AnUnknownRulesetOrAMissingKeyIsRefusedAndNothingIsStored) {
  Prepare();
  ASSERT_GT(StartService(), 0) << Log();
  auto r = Http(port_, "POST", "/api/v1/notifications", key_,
                R"({"ruleset":"nope","to":["a@contoso.com"],"subject":"x"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("ruleset: no ruleset 'nope'"), std::string::npos) << r.body;
  EXPECT_EQ(Http(port_, "POST", "/api/v1/notifications", "",
                 R"({"ruleset":"ops","to":["a@contoso.com"],"subject":"x"})")
                .status,
            401);
  auto metrics = Http(port_, "GET", "/metrics", "").body;
  EXPECT_EQ(metrics.find("notify_notifications{status=\"queued\"}"), std::string::npos) << metrics;
}

// No new token per message: the Deliver calls of one ruleset (batches of 10,
// up to 3 at once, each on its own sender) share the channel's token while
// it is valid, so 60 notifications cost one token request, which /metrics
// shows as the emulator counted it.
TEST_F(Serve, ManyNotificationsWithAWarmTokenCacheCostOneTokenRequest) {
  Prepare();
  emulator_->ResetCounters();  // the save's online check asked for a token of its own
  ASSERT_GT(StartService(), 0) << Log();
  auto ids = Post(60);
  ASSERT_EQ(ids.size(), 60u);
  for (const auto& id : ids)
    ASSERT_TRUE(WaitUntil([&] { return StatusOf(id) == "delivered"; }, seconds(60))) << Log();
  EXPECT_EQ(emulator_->received().size(), 60u);
  EXPECT_EQ(emulator_->stats().token_requests, 1u);
  auto metrics = Http(port_, "GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("notify_token_requests_total{outcome=\"granted\",ruleset=\"ops\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("notify_token_requests_total{outcome=\"refused\""), std::string::npos);
  EXPECT_EQ(metrics.find("notify_token_requests_total{outcome=\"failed\""), std::string::npos);
}

// Crash: kill -9 while notifications are being delivered, start again:
// every notification is delivered; one seen twice carries the same
// Message-ID (it was being sent when the process died).
TEST_F(Serve, KillNineMidDeliveryLosesNothingAndRepeatsOnlyWithTheSameMessageId) {
  const int count = LongForm() ? 2000 : 300;
  const int runs = LongForm() ? 5 : 1;
  Prepare("delivery.workers = 3\n");
  for (int run = 0; run < runs; ++run) {
    emulator_->ResetCounters();
    ASSERT_GT(StartService(), 0) << Log();
    auto ids = Post(count);
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(count));
    // Mid-delivery: some delivered, most not.
    ASSERT_TRUE(WaitUntil(
        [&] { return emulator_->received().size() >= static_cast<std::size_t>(count / 10); },
        seconds(120)));
    StopService(SIGKILL);
    const std::size_t at_kill = emulator_->received().size();
    ASSERT_GT(StartService(), 0) << Log();
    ASSERT_TRUE(WaitUntil(
        [&] {
          std::set<std::string> seen;
          for (const auto& m : emulator_->received()) seen.insert(MessageIdOf(m.raw));
          return seen.size() >= static_cast<std::size_t>(count);
        },
        seconds(600)))
        << "delivered " << emulator_->received().size();
    std::map<std::string, int> times;
    for (const auto& m : emulator_->received()) ++times[MessageIdOf(m.raw)];
    int twice = 0;
    for (const auto& id : ids) {
      const std::string message_id = "<" + id + "@contoso.onmicrosoft.com>";
      ASSERT_GE(times[message_id], 1) << id << " lost";
      ASSERT_LE(times[message_id], 2) << id;
      if (times[message_id] == 2) ++twice;
    }
    // Only what was claimed when the process died can repeat: at most the
    // workers' batches (3 calls of 10).
    EXPECT_LE(twice, 30);
    EXPECT_EQ(times.size(), static_cast<std::size_t>(count)) << "nothing but these";
    std::cout << "[ figures  ] crash run " << run + 1 << ": " << count << " notifications, "
              << at_kill << " delivered at kill -9, " << twice
              << " delivered twice with the same Message-ID, 0 lost\n";
    EXPECT_EQ(StopService(SIGTERM), 0);
  }
}

// Outage: the server refuses every connection with 421 for a while, then
// recovers. The notifications are retried with growing waits (attempts
// counted, not a hot loop) and all delivered after the recovery. The short
// form ends the outage after three attempts of 1-4 s waits; the long form
// keeps it for two minutes with the default back-off capped at 60 s (a 421's
// retry_after is 60 s), the pacing an administrator would see.
TEST_F(Serve, AnOutageIsRetriedWithPacedAttemptsAndEverythingIsDeliveredAfter) {
  const int retry_base_s = LongForm() ? 30 : 1;
  const int retry_max_s = LongForm() ? 60 : 4;
  const auto outage_length = LongForm() ? seconds(120) : seconds(0);
  Prepare("delivery.retry_base = " + std::to_string(retry_base_s) +
          "\ndelivery.retry_max = " + std::to_string(retry_max_s) + "\n");
  m365emu::Faults outage;
  outage.smtp_421_at_greeting = true;
  emulator_->SetFaults(outage);
  ASSERT_GT(StartService(), 0) << Log();
  auto ids = Post(20);
  const auto outage_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return StatusOf(ids[0]) == "retry_later"; }, seconds(60))) << Log();
  // The outage lasts at least three attempts and, in the long form, two
  // minutes: the fault switch ends it, not a sleep.
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto n = Json(Http(port_, "GET", "/api/v1/notifications/" + ids[0], key_).body);
        return n->getValue<int>("attempts") >= 3 &&
               std::chrono::steady_clock::now() - outage_start >= outage_length;
      },
      outage_length + seconds(300)))
      << Log();
  const double outage_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - outage_start).count();
  const auto connections_in_outage = emulator_->stats().smtp_connections;
  emulator_->SetFaults({});
  const auto recovered = std::chrono::steady_clock::now();
  for (const auto& id : ids)
    ASSERT_TRUE(
        WaitUntil([&] { return StatusOf(id) == "delivered"; }, seconds(retry_max_s) + seconds(120)))
        << id;
  const double drain_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - recovered).count();
  int attempts = 0;
  for (const auto& id : ids)
    attempts += Json(Http(port_, "GET", "/api/v1/notifications/" + id, key_).body)
                    ->getValue<int>("attempts");
  // The pacing, as the attempt records hold it: the waits between one
  // notification's attempts, never shorter than the back-off's fixed half.
  auto rows = notify::test_support::RunCommand(
      "sqlite3",
      {"-readonly", (dir_->path / "state.db").string(),
       "SELECT started_at, finished_at FROM attempts WHERE notification_id = '" + ids[0] +
           "' ORDER BY attempt"},
      dir_->path);
  ASSERT_EQ(rows.rc, 0) << rows.err;
  std::vector<std::pair<std::int64_t, std::int64_t>> times;
  std::istringstream lines(rows.out);
  for (std::string line; std::getline(lines, line);)
    times.emplace_back(std::stoll(line.substr(0, line.find('|'))),
                       std::stoll(line.substr(line.find('|') + 1)));
  ASSERT_GE(times.size(), 4u) << rows.out;
  std::string waits;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const std::int64_t wait_ms = times[i].first - times[i - 1].second;
    EXPECT_GE(wait_ms, retry_base_s * 1000 / 2) << "attempt " << i + 1 << " came too soon";
    waits += (waits.empty() ? "" : ", ") + std::to_string(wait_ms / 1000.0).substr(0, 5) + " s";
  }
  // Paced: each notification made at most one attempt per fixed half of the
  // back-off during the outage and its drain, plus its first.
  const double per_notification = (outage_s + drain_s) / (retry_base_s / 2.0) + 2;
  EXPECT_LE(attempts, 20 * per_notification) << attempts;
  std::cout << "[ figures  ] outage: " << connections_in_outage << " refused connections in "
            << outage_s << " s, " << attempts << " attempts for 20 notifications, waits of the "
            << "first: " << waits << "; all delivered " << drain_s << " s after recovery\n";
}

// An expired client secret: the ruleset turns failing within one attempt,
// one error line says so, its notifications wait, no further token
// requests are made until the ruleset is saved again.
TEST_F(Serve, AnExpiredSecretTurnsTheRulesetFailingOnceAndStopsTokenRequestsUntilSaved) {
  Prepare();
  m365emu::Config expired = emulator_->config();
  expired.app().secrets[0].expires_unix = 1;  // long past
  emulator_->SetConfig(expired);
  emulator_->ResetCounters();  // the save's online check asked for a token of its own
  ASSERT_GT(StartService(), 0) << Log();
  auto ids = Post(25);
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto list = Http(port_, "GET", "/api/v1/rulesets", key_).body;
        return list.find(R"("state":"failing")") != std::string::npos;
      },
      seconds(60)))
      << Log();
  // Deliver calls that began before the ruleset turned failing may still ask
  // once each; count from when none is running any more.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& id : ids)
          if (StatusOf(id) == "sending") return false;
        return true;
      },
      seconds(60)))
      << Log();
  const auto tokens_when_failing = emulator_->stats().token_requests;
  // A window of about 40 dispatcher rounds (50 ms each) in which nothing may ask.
  EXPECT_FALSE(WaitUntil([&] { return emulator_->stats().token_requests != tokens_when_failing; },
                         seconds(2)))
      << "token requested while the ruleset is failing";
  // One per Deliver call already running at most (delivery.calls_per_ruleset, 3).
  EXPECT_LE(tokens_when_failing, 3u) << "at most the calls already running";
  auto list = Http(port_, "GET", "/api/v1/rulesets", key_).body;
  EXPECT_NE(list.find("AADSTS7000222"), std::string::npos) << list;
  std::string log = Log();
  std::size_t lines = 0;
  for (std::size_t at = log.find("channel health failing"); at != std::string::npos;
       at = log.find("channel health failing", at + 1))
    ++lines;
  EXPECT_EQ(lines, 1u) << log;
  EXPECT_EQ(log.find(m365emu::kDemoSecretValue), std::string::npos) << "no secret in the log";
  // A new secret, saved: delivery resumes.
  m365emu::Config fixed = emulator_->config();
  fixed.app().secrets[0].expires_unix = 0;
  emulator_->SetConfig(fixed);
  SaveRuleset("ops");
  for (const auto& id : ids)
    ASSERT_TRUE(WaitUntil([&] { return StatusOf(id) == "delivered"; }, seconds(120))) << id;
  std::cout << "[ figures  ] expired secret: failing after " << tokens_when_failing
            << " token requests, " << lines << " error line, 0 token requests while failing\n";
}

}  // namespace
}  // namespace serve_test
