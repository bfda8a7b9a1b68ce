#pragma once
// The Microsoft Graph route's tests: the fault matrix's fixture with the
// demo tenant's second app, set up the way the administrator's guide says
// (Microsoft Graph Mail.Send only), and graph_url pointed at the emulator.
#include <string>

#include "fault_matrix_fixture.hpp"
#include "m365emu/emulator.hpp"

namespace m365::testing {

class GraphTest : public FaultMatrixTest {
 protected:
  void SetUp() override {
    FaultMatrixTest::SetUp();
    ledger_.SetDeliveredCode(202);
  }

  // The guide-way app (Mail.Send only) with `transport` left at auto.
  notify::Settings GraphSettings() const {
    notify::Settings s = FaultSettings();
    s["client_id"] = m365emu::kDemoGraphClientId;
    s["client_secret"] = m365emu::kDemoGraphSecretValue;
    s["graph_url"] = emulator_->graph_url();
    s["transport"] = "auto";
    return s;
  }

  // The demo config's guide-way app.
  static m365emu::App& GraphApp(m365emu::Config& config) {
    for (auto& app : config.tenant().apps) {
      if (app.client_id == m365emu::kDemoGraphClientId) return app;
    }
    return config.tenant().apps.back();
  }

  // The demo config with `roles` for the guide-way app's Microsoft Graph.
  static m365emu::Config GraphRoles(std::vector<std::string> roles) {
    m365emu::Config config = m365emu::DemoConfig();
    GraphApp(config).roles[m365emu::kGraphResource] = std::move(roles);
    return config;
  }

  std::vector<notify::DeliveryResult> DeliverGraph(const std::vector<notify::Message>& batch) {
    return Deliver(batch, GraphSettings());
  }

  void LiftAndExpectGraphRecovery() { LiftAndExpectRecovery(GraphSettings()); }

  int GraphStatusCount(int http) const {
    auto stats = emulator_->stats();
    auto it = stats.graph_http_status.find(http);
    return it == stats.graph_http_status.end() ? 0 : static_cast<int>(it->second);
  }
};

}  // namespace m365::testing
