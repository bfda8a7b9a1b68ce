// The route decision (docs/channel-settings.md, Sending route).
#include "route/route_decision.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace m365 {
namespace {

using notify::sdk::Status;
using notify::sdk::StatusCode;
using notify::sdk::StatusOr;

JwtClaims Claims(const std::string& audience, std::vector<std::string> roles) {
  JwtClaims c;
  c.audiences = {audience};
  c.tenant_id = "t-1";
  c.app_id = "c-1";
  c.roles = std::move(roles);
  c.has_roles_claim = !c.roles.empty();
  return c;
}

const JwtClaims kExchangeSmtp = Claims("https://outlook.office365.com", {"SMTP.SendAsApp"});
const JwtClaims kExchangeNone = Claims("https://outlook.office365.com", {});
const JwtClaims kGraphSend = Claims("https://graph.microsoft.com", {"Mail.Send"});
const JwtClaims kGraphNone = Claims("https://graph.microsoft.com", {});

TEST(RouteDecisionTest, AutoPrefersSmtpWhenTheAppHoldsSendAsApp) {
  auto r = DecideRoute(Transport::kAuto, &kExchangeSmtp, &kGraphSend);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->route, Transport::kSmtp);
  EXPECT_EQ(r->because.rfind("route: Exchange Online SMTP, because", 0), 0u) << r->because;
  EXPECT_NE(r->because.find("SMTP.SendAsApp"), std::string::npos);
}

TEST(RouteDecisionTest, AutoTakesGraphWithMailSendOnly) {
  auto r = DecideRoute(Transport::kAuto, &kExchangeNone, &kGraphSend);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->route, Transport::kGraph);
  EXPECT_EQ(r->because.rfind("route: Microsoft Graph sendMail, because", 0), 0u) << r->because;
  EXPECT_NE(r->because.find("Mail.Send"), std::string::npos);
}

TEST(RouteDecisionTest, NeitherRoleNamesBothRoutesGraphFirst) {
  for (const JwtClaims* graph : {&kGraphNone, static_cast<const JwtClaims*>(nullptr)}) {
    auto r = DecideRoute(Transport::kAuto, &kExchangeNone, graph);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
    const std::string& remedy = r.status().remedy();
    auto graph_at = remedy.find("Mail.Send");
    auto smtp_at = remedy.find("SMTP.SendAsApp");
    ASSERT_NE(graph_at, std::string::npos) << remedy;
    ASSERT_NE(smtp_at, std::string::npos) << remedy;
    EXPECT_LT(graph_at, smtp_at) << "the Graph route, with the fewest steps, comes first";
    EXPECT_NE(remedy.find("Grant admin consent"), std::string::npos);
    EXPECT_NE(remedy.find("New-ServicePrincipal"), std::string::npos);
    EXPECT_NE(r.status().message().find("roles: (none)"), std::string::npos);
  }
}

TEST(RouteDecisionTest, ASetRouteNeedsNoToken) {
  EXPECT_EQ(DecideRoute(Transport::kSmtp, nullptr, nullptr)->route, Transport::kSmtp);
  EXPECT_EQ(DecideRoute(Transport::kGraph, nullptr, nullptr)->route, Transport::kGraph);
  EXPECT_EQ(DecideRoute(Transport::kSmtp, &kExchangeNone, &kGraphSend)->route, Transport::kSmtp);
  EXPECT_NE(DecideRoute(Transport::kGraph, nullptr, nullptr)->because.find("transport"),
            std::string::npos);
}

// Hands out fixed tokens and counts requests.
class FixedTokens : public TokenSource {
 public:
  explicit FixedTokens(StatusOr<std::string> token) : token_(std::move(token)) {}
  StatusOr<std::string> Get() override {
    ++gets;
    return token_;
  }
  StatusOr<std::string> Refresh(const std::string&) override { return Get(); }
  int gets = 0;

 private:
  StatusOr<std::string> token_;
};

TEST(RouteDecisionTest, ChooseRouteAsksForTheGraphTokenOnlyWhenNeeded) {
  FixedTokens graph(Status::Unavailable("must not be asked"));
  FixedTokens exchange(std::string("not-a-jwt"));
  auto r = ChooseRoute(Transport::kAuto, exchange, graph);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->route, Transport::kSmtp) << "an unreadable token keeps the SMTP route";
  EXPECT_EQ(graph.gets, 0);
  EXPECT_TRUE(ChooseRoute(Transport::kGraph, exchange, graph).ok());
  EXPECT_EQ(exchange.gets, 1) << "a set route asks for no token";
}

TEST(RouteDecisionTest, ChooseRouteReturnsATokenFailureAsIs) {
  FixedTokens exchange(Status::Unauthenticated("AADSTS7000215", "paste the Value"));
  FixedTokens graph(std::string("x"));
  auto r = ChooseRoute(Transport::kAuto, exchange, graph);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().remedy(), "paste the Value");
}

TEST(RouteDecisionTest, GraphClaimsNeedGraphsAudienceThisAppAndMailSend) {
  M365Config c;
  c.client_id = "c-1";
  c.graph_audience = "https://graph.microsoft.com";
  EXPECT_TRUE(DiagnoseGraphClaims(kGraphSend, c).ok());
  EXPECT_EQ(DiagnoseGraphClaims(kGraphNone, c).code(), StatusCode::kPermissionDenied);
  EXPECT_NE(DiagnoseGraphClaims(kGraphNone, c).remedy().find("Mail.Send"), std::string::npos);
  EXPECT_EQ(DiagnoseGraphClaims(Claims("https://outlook.office365.com", {"Mail.Send"}), c).code(),
            StatusCode::kInvalidArgument);
  c.client_id = "c-2";
  EXPECT_EQ(DiagnoseGraphClaims(kGraphSend, c).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace m365
