#pragma once
// Shared by the plugin's delivery tests: an in-process Microsoft 365
// emulator in a fresh state directory, the channel's settings pointing at it,
// and helpers to make messages and read what the emulator received.
#include <Poco/Base64Decoder.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "delivery_invariants.hpp"
#include "emulator_settings.hpp"
#include "m365emu/emulator.hpp"
#include "notify/host_api/channel.hpp"
#include "notify/sdk/testing/fake_host.hpp"

namespace m365::testing {

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEmulator(m365emu::DemoConfig()); }

  void TearDown() override { StopEmulator(); }

  // Starts (or restarts) the emulator with `config` in a state directory of
  // its own, named after the test (a parameterised test's '/' made '_', not
  // a directory level), the rate window shrunk so that tests do not wait a
  // minute per 30 messages.
  void StartEmulator(m365emu::Config config) {
    StopEmulator();
    static std::atomic<int> counter{0};
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = c == '/' ? '_' : c;
    state_dir_ = ::testing::TempDir() + "m365_delivery_" + std::to_string(getpid()) + "_" + name +
                 "_" + std::to_string(++counter);
    config.limits.rate_window_ms = 100;
    emulator_ = std::make_unique<m365emu::Emulator>(std::move(config), state_dir_);
  }

  // Stops the emulator and removes its state directory: a test leaves
  // nothing behind in $TMPDIR, also when it restarted the emulator.
  void StopEmulator() {
    emulator_.reset();
    std::error_code ignored;
    if (!state_dir_.empty()) std::filesystem::remove_all(state_dir_, ignored);
    state_dir_.clear();
  }

  // Settings of a working configuration against the emulator.
  notify::Settings Settings(const std::string& batch_size = "medium") const {
    notify::Settings s = EmulatorSettings(*emulator_, "delivery test");
    s["batch_size"] = batch_size;
    s["from_name"] = "Notify Tests";
    return s;
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
    return RawHeader(raw, name);
  }

  // Delivers `batch` through a channel opened on Settings(batch_size) and
  // checks the result contract: one result per message, in order.
  std::vector<notify::DeliveryResult> Deliver(const std::vector<notify::Message>& batch,
                                              const std::string& batch_size = "medium") {
    return DeliverWith(Settings(batch_size), batch);
  }

  // Deliver on a channel opened with `settings`.
  std::vector<notify::DeliveryResult> DeliverWith(const notify::Settings& settings,
                                                  const std::vector<notify::Message>& batch) {
    M365Channel channel(host_);
    notify::OpenResult opened = channel.Open(settings);
    EXPECT_NE(opened.sender, nullptr);
    if (opened.sender == nullptr) return {};
    std::vector<notify::DeliveryResult> results = opened.sender->Deliver(batch);
    EXPECT_EQ(results.size(), batch.size());
    for (std::size_t i = 0; i < std::min(results.size(), batch.size()); ++i) {
      EXPECT_EQ(results[i].id, batch[i].id) << "results out of order";
    }
    return results;
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
