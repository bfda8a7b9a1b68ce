// Small plugins for the loader tests, one source built several ways:
//   FIXTURE_ID           the descriptor's id
//   FIXTURE_API_MAJOR/MINOR  the API version the descriptor claims
//   FIXTURE_FACTORY_THROWS   the factory throws instead of creating a channel
//   FIXTURE_NO_ENTRY         nothing is exported (not a plugin)
// The fixture channel has a secret field, so host tests can check masking.
#include <boost/dll/alias.hpp>
#include <stdexcept>

#include "notify/host_api/host_api.hpp"
#include "notify/sdk/settings.hpp"

#ifndef FIXTURE_NO_ENTRY
namespace {

std::vector<notify::FieldDescriptor> FixtureFields() {
  notify::FieldDescriptor target{"target", "Target", notify::FieldType::kText, true};
  target.help = "Any name.";
  notify::FieldDescriptor key{"api_key", "API key", notify::FieldType::kSecret, true};
  key.help = "Any secret; 'bad' fails validation.";
  return {target, key};
}

class FixtureSender : public notify::Sender {
 public:
  std::vector<notify::DeliveryResult> Deliver(
      const std::vector<notify::Message>& batch) noexcept override {
    std::vector<notify::DeliveryResult> out;
    for (const auto& m : batch) out.push_back({m.id, notify::DeliveryStatus::kDelivered});
    return out;
  }
};

class FixtureChannel : public notify::NotificationChannel {
 public:
  notify::ChannelInfo Info() const noexcept override {
    return {FIXTURE_ID, "Fixture", "0.0.1", "test fixture"};
  }
  std::vector<notify::FieldDescriptor> Fields() const noexcept override { return FixtureFields(); }
  notify::ValidationReport Validate(const notify::Settings& s,
                                    const notify::ValidationOptions&) noexcept override {
    notify::ValidationReport r;
    r.issues = notify::sdk::CheckFields(FixtureFields(), s);
    auto key = s.find("api_key");
    if (key != s.end() && key->second == "bad")
      r.issues.push_back({"api_key", notify::Severity::kError, "API key: refused", "Use another."});
    return r;
  }
  notify::OpenResult Open(const notify::Settings& s) noexcept override {
    notify::OpenResult o;
    o.report = Validate(s, {});
    if (o.report.ok()) o.sender = std::make_unique<FixtureSender>();
    return o;
  }
};

const notify::PluginDescriptor descriptor = {sizeof(notify::PluginDescriptor),
                                             FIXTURE_API_MAJOR,
                                             FIXTURE_API_MINOR,
                                             FIXTURE_ID,
                                             "Fixture",
                                             "0.0.1"};

notify::NotificationChannel* create_channel(notify::HostContext*) {
#ifdef FIXTURE_FACTORY_THROWS
  throw std::runtime_error("fixture factory failure");
#else
  return new FixtureChannel();
#endif
}

}  // namespace

BOOST_DLL_ALIAS(descriptor, notify_plugin_descriptor)
BOOST_DLL_ALIAS(create_channel, notify_create_channel_v1)
#else
extern "C" int not_a_plugin() { return 0; }
#endif
