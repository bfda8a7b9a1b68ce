// Small plugins for the loader and CLI tests, one source built several ways:
//   FIXTURE_ID               the descriptor's id
//   FIXTURE_API_MAJOR/MINOR  the API version the descriptor claims
//   FIXTURE_ABI_TAG          the ABI tag the descriptor claims (default: the
//                            real one of this build, notify::kAbiTag)
//   FIXTURE_NO_ABI_TAG       the descriptor of an SDK before the ABI tag: too
//                            short to hold one, and a null tag
//   FIXTURE_NO_SDK           does not use the SDK library (for a build with
//                            another standard-library ABI, which the SDK
//                            library was not compiled for)
//   FIXTURE_FACTORY_THROWS   the factory throws instead of creating a channel
//   FIXTURE_SHORT_RESULTS    the sender, not built on the SDK's SenderBase,
//                            returns results for the messages at even
//                            positions only (too few results)
//   FIXTURE_NO_ENTRY         nothing is exported (not a plugin)
//   FIXTURE_M365_FORM        the form has the Microsoft 365 channel's keys and
//                            types (docs/channel-settings.md, with the planned
//                            route and credential keys), for the host's
//                            stored-secret rule, which reads only the form
// The fixture channel has a secret field, so host tests can check masking.
// Text a channel passes on from a server reaches the host's output: a save
// with target "escapes" reports a step and an issue carrying terminal
// escapes, and every delivery result's detail is the message's subject.
// Each library exports fixture_factory_calls(), how many times its factory
// ran, so a test can prove a refused plugin's factory was never called.
#include <boost/dll/alias.hpp>
#include <cstddef>
#include <stdexcept>

#include "notify/host_api/host_api.hpp"
#ifndef FIXTURE_NO_SDK
#include "notify/sdk/settings.hpp"
#endif

#ifndef FIXTURE_NO_ENTRY
namespace {

int factory_calls = 0;

#ifdef FIXTURE_M365_FORM
std::vector<notify::FieldDescriptor> FixtureFields() {
  using notify::FieldType;
  std::vector<notify::FieldDescriptor> fields;
  auto add = [&](const char* key, FieldType type, bool required, const char* default_value = "") {
    notify::FieldDescriptor f{key, key, type, required, default_value};
    fields.push_back(f);
  };
  add("server_name", FieldType::kText, true);
  add("port", FieldType::kInteger, false, "587");
  add("timeout", FieldType::kInteger, false, "120");
  add("batch_size", FieldType::kChoice, false, "medium");
  fields.back().choices = {"small", "medium", "large"};
  add("from_email", FieldType::kEmail, true);
  add("client_id", FieldType::kGuid, true);
  add("client_secret", FieldType::kSecret, true);
  add("tenant_id", FieldType::kGuidOrDomain, true);
  add("cloud", FieldType::kChoice, false, "global");
  fields.back().choices = {"global", "usgov", "usgov-dod", "china"};
  add("smtp_host", FieldType::kText, false);
  add("authority_url", FieldType::kUrl, false);
  add("ca_file", FieldType::kPath, false);
  add("from_name", FieldType::kText, false);
  add("transport", FieldType::kChoice, false, "auto");
  fields.back().choices = {"auto", "smtp", "graph"};
  add("credential", FieldType::kChoice, false, "secret");
  fields.back().choices = {"secret", "certificate"};
  add("certificate_file", FieldType::kPath, false);
  add("https_proxy", FieldType::kUrl, false);
  add("graph_url", FieldType::kUrl, false);
  return fields;
}
#else
std::vector<notify::FieldDescriptor> FixtureFields() {
  notify::FieldDescriptor target{"target", "Target", notify::FieldType::kText, true};
  target.help = "Any name.";
  notify::FieldDescriptor key{"api_key", "API key", notify::FieldType::kSecret, true};
  key.help = "Any secret; 'bad' fails validation.";
  return {target, key};
}
#endif

class FixtureSender : public notify::Sender {
 public:
  std::vector<notify::DeliveryResult> Deliver(
      const std::vector<notify::Message>& batch) noexcept override {
    std::vector<notify::DeliveryResult> out;
    for (std::size_t i = 0; i < batch.size(); ++i) {
#ifdef FIXTURE_SHORT_RESULTS
      if (i % 2 == 1) continue;
#endif
      out.push_back(
          {batch[i].id, notify::DeliveryStatus::kDelivered, 250, "2.0.0", batch[i].subject});
    }
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
#ifndef FIXTURE_NO_SDK
    r.issues = notify::sdk::CheckFields(FixtureFields(), s);
#endif
    auto key = s.find("api_key");
    if (key != s.end() && key->second == "bad")
      r.issues.push_back({"api_key", notify::Severity::kError, "API key: refused", "Use another."});
    auto target = s.find("target");
    if (target != s.end() && target->second == "escapes") {
      // What a hostile server could make a plugin pass on: clear the screen,
      // set the window title, and forge a line of its own.
      r.issues.push_back({"target", notify::Severity::kWarning,
                          "server says \x1b[2J\x1b]0;owned\x07hello",
                          "call\n[ok]   token (1 ms): forged"});
      notify::CheckStep step;
      step.name = "greeting";
      step.outcome = notify::StepOutcome::kFailed;
      step.detail =
          "220 \x1b[31mred\x9b"
          "1m \xc3\xa9t\xc3\xa9 \xff";
      step.remedy = "see\r\n[ok]   login: forged";
      r.steps.push_back(step);
    }
    return r;
  }
  notify::OpenResult Open(const notify::Settings& s) noexcept override {
    notify::OpenResult o;
    o.report = Validate(s, {});
    if (o.report.ok()) o.sender = std::make_unique<FixtureSender>();
    return o;
  }
};

#if defined(FIXTURE_NO_ABI_TAG)
constexpr std::uint32_t kDescriptorSize = offsetof(notify::PluginDescriptor, abi_tag);
constexpr const char* kFixtureAbiTag = nullptr;
#elif defined(FIXTURE_ABI_TAG)
constexpr std::uint32_t kDescriptorSize = sizeof(notify::PluginDescriptor);
constexpr const char* kFixtureAbiTag = FIXTURE_ABI_TAG;
#else
constexpr std::uint32_t kDescriptorSize = sizeof(notify::PluginDescriptor);
constexpr const char* kFixtureAbiTag = notify::kAbiTag;
#endif

const notify::PluginDescriptor descriptor = {kDescriptorSize, FIXTURE_API_MAJOR, FIXTURE_API_MINOR,
                                             FIXTURE_ID,      "Fixture",         "0.0.1",
                                             kFixtureAbiTag};

notify::NotificationChannel* create_channel(notify::HostContext*) {
  ++factory_calls;
#ifdef FIXTURE_FACTORY_THROWS
  throw std::runtime_error("fixture factory failure");
#else
  return new FixtureChannel();
#endif
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int fixture_factory_calls() {
  return factory_calls;
}

BOOST_DLL_ALIAS(descriptor, notify_plugin_descriptor)
BOOST_DLL_ALIAS(create_channel, NOTIFY_FACTORY_SYMBOL)
#else
extern "C" int not_a_plugin() { return 0; }
#endif
