// Graph limits and faults: 4 requests in flight per app and mailbox (the
// 5th gets 429 MailboxConcurrency), 500, 503, 429 and dropped connections.
#include <thread>

#include "graph_fixture.hpp"

namespace m365emu::testing {
namespace {

class GraphFaultsTest : public GraphTest {};

TEST_F(GraphFaultsTest, FifthConcurrentRequestForAMailboxGets429WithRetryAfter) {
  const std::string token = GraphToken();
  Faults hold;
  hold.graph_delay_ms = 120000;  // released below, never waited out
  emu_.SetFaults(hold);
  std::vector<HttpResult> results(5);
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&, i] {
      results[i] = SendMime(token, SimpleMime(kDemoMailbox, "c" + std::to_string(i)));
    });
  }
  const bool four_held_one_refused = WaitUntil(
      [&] {
        Stats s = emu_.stats();
        return s.graph_in_flight == 4 && s.graph_http_status[429] == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(10));
  emu_.SetFaults(Faults{});  // releases the held requests
  for (auto& t : threads) t.join();
  ASSERT_TRUE(four_held_one_refused) << emu_.stats().ToJson();
  int accepted = 0;
  for (const auto& r : results) {
    if (r.status == 202) {
      ++accepted;
    } else {
      EXPECT_EQ(r.status, 429) << r.body;
      EXPECT_EQ(ErrorCode(r), "ApplicationThrottled");
      EXPECT_EQ(ErrorMessage(r), "Application is over its MailboxConcurrency limit.");
      EXPECT_EQ(r.headers.at("retry-after"), "1");
    }
  }
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(emu_.stats().graph_max_in_flight_per_mailbox, 4u);
  EXPECT_EQ(emu_.stats().graph_in_flight, 0u);
  EXPECT_EQ(emu_.received().size(), 4u);
}

TEST_F(GraphFaultsTest, TheLimitIsPerMailbox) {
  const std::string token = GraphToken();
  Config c = emu_.config();
  c.limits.graph_concurrent_requests = 1;
  emu_.SetConfig(c);
  Faults hold;
  hold.graph_delay_ms = 120000;
  emu_.SetFaults(hold);
  HttpResult first, other;
  std::thread a([&] { first = SendMime(token, SimpleMime(kDemoMailbox, "a")); });
  std::thread b([&] {
    other = SendMime(token, SimpleMime(kDemoOtherMailbox, "b"),
                     std::string("/v1.0/users/") + kDemoOtherMailbox + "/sendMail");
  });
  const bool both_held = WaitUntil([&] { return emu_.stats().graph_in_flight == 2; },
                                   std::chrono::seconds(30), std::chrono::milliseconds(10));
  HttpResult third = SendMime(token, SimpleMime(kDemoMailbox, "c"));
  emu_.SetFaults(Faults{});
  a.join();
  b.join();
  EXPECT_TRUE(both_held);
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(other.status, 202);
  EXPECT_EQ(third.status, 429);
}

TEST_F(GraphFaultsTest, ServerErrorsCarryTheGraphShapeAndRetryAfter) {
  const std::string token = GraphToken();
  Faults f;
  f.graph_http_500 = true;
  f.graph_fault_count = 1;
  emu_.SetFaults(f);
  HttpResult r = SendMime(token, SimpleMime(kDemoMailbox));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(ErrorCode(r), "generalException");
  EXPECT_EQ(SendMime(token, SimpleMime(kDemoMailbox)).status, 202) << "only one request faulted";

  emu_.SetFaults(Faults::FromJson(R"({"graph_http_503_retry_after": 7, "graph_fault_count": 1})"));
  r = SendMime(token, SimpleMime(kDemoMailbox));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ErrorCode(r), "serviceNotAvailable");
  EXPECT_EQ(r.headers["retry-after"], "7");

  emu_.SetFaults(Faults::FromJson(R"({"graph_http_429_retry_after": 3})"));
  r = SendMime(token, SimpleMime(kDemoMailbox));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(ErrorCode(r), "TooManyRequests");
  EXPECT_EQ(r.headers["retry-after"], "3");
  EXPECT_EQ(emu_.received().size(), 1u);
}

TEST_F(GraphFaultsTest, DropClosesTheConnectionWithoutAReply) {
  const std::string token = GraphToken();
  emu_.SetFaults(Faults::FromJson(R"({"graph_drop": true, "graph_fault_count": 1})"));
  const std::string file = dir_.path() + "/m.b64";
  WriteFile(file, B64(SimpleMime(kDemoMailbox)));
  auto curl = [&] {
    return RunProcess({"curl", "-sS", "--cacert", emu_.ca_file(), "-o", "/dev/null", "-w",
                       "%{http_code}", "-H", "Authorization: Bearer " + token, "-H",
                       "Content-Type: text/plain", "--data-binary", "@" + file,
                       emu_.graph_url() + kSendMail},
                      30);
  };
  ProcessResult dropped = curl();
  // 52: empty reply from server; 56: failure receiving data.
  EXPECT_TRUE(dropped.exit_code == 52 || dropped.exit_code == 56) << dropped.output;
  EXPECT_TRUE(emu_.received().empty());
  ProcessResult next = curl();
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_EQ(next.output, "202");
}

TEST_F(GraphFaultsTest, FaultsRoundTripThroughJson) {
  Faults f = Faults::FromJson(
      R"({"faults":{"graph_delay_ms":5,"graph_http_500":true,"graph_http_503_retry_after":2,)"
      R"("graph_http_429_retry_after":4,"graph_drop":true,"graph_fault_count":3}})");
  EXPECT_EQ(f.graph_delay_ms, 5);
  EXPECT_TRUE(f.graph_http_500);
  EXPECT_EQ(f.graph_http_503_retry_after, 2);
  EXPECT_EQ(f.graph_http_429_retry_after, 4);
  EXPECT_TRUE(f.graph_drop);
  EXPECT_EQ(f.graph_fault_count, 3);
  EXPECT_EQ(Faults::FromJson(f.ToJson()).ToJson(), f.ToJson());
}

}  // namespace
}  // namespace m365emu::testing
