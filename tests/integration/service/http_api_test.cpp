// The listener as a client sees it: statuses, the error shape, the key
// check, the body limit, and /metrics as Prometheus's own checker reads it.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "notify/test_support/command_run.hpp"
#include "service/api_http_server.hpp"
#include "service/api_key.hpp"
#include "service/service_routes.hpp"

namespace notify_host {
namespace {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
};

Reply Call(std::uint16_t port, const std::string& method, const std::string& path,
           const std::string& key = "", const std::string& body = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(20, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!key.empty()) request.set("Authorization", "Bearer " + key);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply r;
  r.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, r.body);
  r.content_type = response.getContentType();
  r.www_authenticate = response.get("WWW-Authenticate", "");
  return r;
}

class HttpApi : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = MakeApiKey();
    settings_.port = 0;
    settings_.max_body_bytes = 4096;
    InfoRoutes info;
    info.plugins = &plugins_;
    info.metrics = &metrics_;
    info.database_answers = [this] { return database_up_; };
    info.snapshot = [] {
      ServiceMetrics::Snapshot s;
      s.notifications_by_status = {{"queued", 3}, {"delivered", 10}};
      s.queue_depth = 3;
      s.oldest_queued_age_s = 12.5;
      s.rulesets.push_back({"ops", "failing", 4.5 * 86400});
      s.rulesets.push_back({"billing", "ok", -1});
      return s;
    };
    AddInfoRoutes(router_, info);
    router_.Add("POST", "/api/v1/echo", true, [](const ApiRequest& r) {
      return ApiResponse{202, "{\"bytes\":" + std::to_string(r.body.size()) + "}"};
    });
    server_ = std::make_unique<ApiHttpServer>(
        settings_, router_, [this](const std::string& k) { return ApiKeyMatches(k, key_.hash); });
    server_->Start();
  }
  void TearDown() override { server_->Stop(1000); }

  NewApiKey key_;
  HttpSettings settings_;
  LoadOutcome plugins_;
  ServiceMetrics metrics_;
  bool database_up_ = true;
  ApiRouter router_;
  std::unique_ptr<ApiHttpServer> server_;
};

TEST_F(HttpApi, HealthzSaysWhetherTheDatabaseAnswers) {
  auto up = Call(server_->port(), "GET", "/healthz");
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.body, R"({"status":"ok"})");
  database_up_ = false;
  EXPECT_EQ(Call(server_->port(), "GET", "/healthz").status, 503);
}

TEST_F(HttpApi, AnApiCallWithoutAValidKeyIs401InTheErrorShape) {
  for (const std::string& key : {std::string(), std::string("nhk_wrong"), MakeApiKey().key}) {
    auto r = Call(server_->port(), "GET", "/api/v1/channels", key);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.www_authenticate, "Bearer");
    EXPECT_EQ(r.body.rfind(R"({"error":{"code":"unauthorized","message":"send a valid API key)", 0),
              0u)
        << r.body;
  }
  auto ok = Call(server_->port(), "GET", "/api/v1/channels", key_.key);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "[]");
}

TEST_F(HttpApi, UnknownPathsAndMethodsAreAnsweredNotDropped) {
  auto r = Call(server_->port(), "GET", "/api/v1/nothing", key_.key);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find(R"("code":"not_found")"), std::string::npos);
  r = Call(server_->port(), "DELETE", "/api/v1/channels", key_.key);
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.body.find("use GET"), std::string::npos) << r.body;
  EXPECT_EQ(Call(server_->port(), "GET", "/api/v1/channels/none/fields", key_.key).status, 404);
}

TEST_F(HttpApi, ABodyOverTheLimitIs413AndOneWithinItIsServed) {
  auto small = Call(server_->port(), "POST", "/api/v1/echo", key_.key, std::string(4096, 'x'));
  EXPECT_EQ(small.status, 202);
  EXPECT_EQ(small.body, R"({"bytes":4096})");
  auto big = Call(server_->port(), "POST", "/api/v1/echo", key_.key, std::string(4097, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find(R"("code":"body_too_large")"), std::string::npos) << big.body;
  EXPECT_NE(big.body.find("http.max_body_bytes"), std::string::npos);
}

TEST_F(HttpApi, MetricsAreValidPrometheusTextAsPromtoolChecksIt) {
  metrics_.Accepted(5);
  metrics_.DeliverCall("ops", 0.3);
  metrics_.Outcome("ops", "delivered");
  metrics_.Outcome("ops", "retry_later");
  metrics_.TokenRequests("ops", "granted", 1);
  metrics_.TokenRequests("ops", "refused", 2);
  auto r = Call(server_->port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  for (const char* line :
       {"notify_notifications_accepted_total 5", "notify_notifications{status=\"queued\"} 3",
        "notify_queue_depth 3", "notify_queue_oldest_age_seconds 12.5",
        "notify_ruleset_health{ruleset=\"ops\",state=\"failing\"} 1",
        "notify_ruleset_health{ruleset=\"ops\",state=\"ok\"} 0",
        "notify_ruleset_credential_expiry_seconds{ruleset=\"ops\"} 388800",
        "notify_deliver_duration_seconds_count{ruleset=\"ops\"} 1",
        "notify_delivery_outcomes_total{outcome=\"delivered\",ruleset=\"ops\"} 1",
        "notify_token_requests_total{outcome=\"granted\",ruleset=\"ops\"} 1",
        "notify_token_requests_total{outcome=\"refused\",ruleset=\"ops\"} 2"}) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line << "\n" << r.body;
  }
  EXPECT_EQ(r.body.find("credential_expiry_days{ruleset=\"billing\"}"), std::string::npos);
  // Prometheus's own linter, from Debian's prometheus package.
  auto dir = std::filesystem::temp_directory_path() / ("metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "metrics.txt") << r.body;
  auto check = notify::test_support::RunCommand(
      "/bin/sh", {"-c", "promtool check metrics < " + (dir / "metrics.txt").string()}, dir);
  EXPECT_EQ(check.rc, 0) << check.out << check.err;
  std::filesystem::remove_all(dir);
}

TEST_F(HttpApi, TheFormOfAChannelIsServedAsFieldsJsonPrints) {
  // With no plugin loaded the listing is empty; the form of a loaded channel
  // is covered with the real host in serve_cli_test.
  auto r = Call(server_->port(), "GET", "/api/v1/channels/m365_oauth_smtp/fields", key_.key);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("GET /api/v1/channels lists them"), std::string::npos);
}

}  // namespace
}  // namespace notify_host
