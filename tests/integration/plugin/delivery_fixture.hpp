#pragma once
// Shared by the plugin's delivery tests: an in-process Microsoft 365
// emulator in a fresh state directory, the channel's settings pointing at it,
// and helpers to make messages and read what the emulator received.
#include <Poco/Base64Decoder.h>
#include <Poco/File.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "m365emu/emulator.hpp"
#include "notify/host_api/channel.hpp"
#include "notify/sdk/testing/fake_host.hpp"

namespace m365::testing {

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEmulator(m365emu::DemoConfig()); }

  void TearDown() override {
    emulator_.reset();
    try {
      Poco::File(state_dir_).remove(true);
    } catch (...) {
    }
  }

  // Starts (or restarts) the emulator with `config`, the rate window shrunk
  // so that tests do not wait a minute per 30 messages.
  void StartEmulator(m365emu::Config config) {
    emulator_.reset();
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    state_dir_ = ::testing::TempDir() + "m365_delivery_" + std::to_string(getpid()) + "_" +
                 info->name() + "_" + std::to_string(++counter);
    config.limits.rate_window_ms = 100;
    emulator_ = std::make_unique<m365emu::Emulator>(std::move(config), state_dir_);
  }

  // Settings of a working configuration against the emulator.
  notify::Settings Settings(const std::string& batch_size = "medium") const {
    return {{"server_name", "delivery test"},
            {"port", std::to_string(emulator_->smtp_port())},
            {"timeout", "10"},
            {"batch_size", batch_size},
            {"from_email", m365emu::kDemoMailbox},
            {"from_name", "Notify Tests"},
            {"client_id", m365emu::kDemoClientId},
            {"client_secret", m365emu::kDemoSecretValue},
            {"tenant_id", m365emu::kDemoTenantId},
            {"smtp_host", "localhost"},
            {"authority_url", emulator_->authority()},
            {"ca_file", emulator_->ca_file()}};
  }

  static notify::Message MakeMessage(int n) {
    notify::Message m;
    m.id = "msg-" + std::to_string(n);
    m.to = {"user" + std::to_string(n) + "@contoso.com"};
    m.subject = "Alert " + std::to_string(n);
    m.text_body = "Body of alert " + std::to_string(n) + "\r\n.line starting with a dot\r\n";
    m.extra_headers = {{"X-Alert-Number", std::to_string(n)}};
    return m;
  }

  static std::vector<notify::Message> MakeMessages(int count) {
    std::vector<notify::Message> batch;
    for (int i = 0; i < count; ++i) batch.push_back(MakeMessage(i));
    return batch;
  }

  // The unfolded value of top-level header `name` of `raw`, "" when absent.
  static std::string Header(const std::string& raw, const std::string& name) {
    std::string headers = "\r\n" + raw.substr(0, raw.find("\r\n\r\n") + 2);
    std::size_t pos = headers.find("\r\n" + name + ":");
    if (pos == std::string::npos) return "";
    std::size_t start = pos + 2 + name.size() + 1;
    std::string value;
    for (;;) {
      std::size_t end = headers.find("\r\n", start);
      value += headers.substr(start, end - start);
      start = end + 2;
      if (start >= headers.size() || (headers[start] != ' ' && headers[start] != '\t')) break;
    }
    std::size_t first = value.find_first_not_of(' ');
    return first == std::string::npos ? "" : value.substr(first);
  }

  static std::string DecodeBase64(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    return std::string(std::istreambuf_iterator<char>(decoder), {});
  }

  std::unique_ptr<m365emu::Emulator> emulator_;
  std::string state_dir_;
  notify::sdk::testing::FakeHostContext host_;
};

}  // namespace m365::testing
