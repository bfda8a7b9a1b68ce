// The conformance kit run on the smallest channel built on ChannelBase and
// SenderBase: the form and the two protected functions a plugin must write
// are enough to pass it. (A DeliverBatch that returned its results in another
// order would not pass: with repeated ids only the position tells which
// result is whose, so no repair can undo that.)
#include "notify/sdk/testing/conformance.hpp"

#include "notify/sdk/channel_base.hpp"

namespace {

class MemorySender : public notify::sdk::SenderBase {
 protected:
  std::vector<notify::DeliveryResult> DeliverBatch(
      const std::vector<notify::Message>& batch) override {
    std::vector<notify::DeliveryResult> results;
    for (const auto& m : batch) {
      if (m.to.empty())
        results.push_back({m.id, notify::DeliveryStatus::kRejected, 0, "", "no recipient"});
      else
        results.push_back({m.id, notify::DeliveryStatus::kDelivered});
    }
    return results;
  }
};

class MemoryChannel : public notify::sdk::ChannelBase {
 public:
  explicit MemoryChannel(notify::HostContext&) {}

 protected:
  notify::ChannelInfo Describe() const override {
    return {"memory", "Memory", "1.0.0", "Keeps nothing."};
  }
  std::vector<notify::FieldDescriptor> Form() const override {
    notify::FieldDescriptor name{"name", "Name", notify::FieldType::kText, true};
    name.help = "Any name.";
    notify::FieldDescriptor token{"token", "Token", notify::FieldType::kSecret, true};
    token.help = "Any secret.";
    return {name, token};
  }
  std::unique_ptr<notify::sdk::SenderBase> MakeSender(const notify::Settings&,
                                                      notify::ValidationReport&) override {
    return std::make_unique<MemorySender>();
  }
};

std::unique_ptr<notify::NotificationChannel> MakeChannel(notify::HostContext& host) {
  return std::make_unique<MemoryChannel>(host);
}

notify::Settings ValidSettings() { return {{"name", "n"}, {"token", "t0p-s3cret"}}; }

}  // namespace

NOTIFY_CHANNEL_CONFORMANCE_TESTS(ChannelBaseConformance, MakeChannel, ValidSettings)
