#pragma once
// The Microsoft 365 (OAuth2) notification channel: the settings form, the
// checks at Save, and senders for valid settings. Glue only, on the SDK's
// ChannelBase, which runs the generic field checks and the exception barrier
// for every public method; the work is in settings/, checks/, token/ and
// delivery/.
#include <memory>
#include <vector>

#include "common/clock.hpp"
#include "notify/host_api/host_context.hpp"
#include "notify/sdk/channel_base.hpp"

namespace m365 {

// The channel's id (a contract with stored rulesets), name and version.
inline constexpr const char* kChannelId = "m365_oauth_smtp";
inline constexpr const char* kChannelDisplayName = "Microsoft 365 (OAuth2)";
inline constexpr const char* kChannelVersion = "1.0.0";

// The NotificationChannel of this plugin. Thread-safe: it keeps no state of
// its own between calls; the token caches and TLS contexts it shares are
// guarded where they live.
class M365Channel : public notify::sdk::ChannelBase {
 public:
  // `host` and `clock` must outlive the channel and every sender it opens;
  // `clock` paces the senders' retries and bounds their Deliver calls (tests
  // pass a ManualClock).
  explicit M365Channel(notify::HostContext& host, Clock& clock = SteadyClock());

 protected:
  notify::ChannelInfo Describe() const override;
  // The form of docs/channel-settings.md, basic fields first, advanced ones last.
  std::vector<notify::FieldDescriptor> Form() const override;
  // The semantic checks (CheckM365Semantics), then the TLS context of
  // ca_file: a file OpenSSL cannot load is a ca_file error here, in offline
  // validation too, since the TLS context is loaded from the file alone.
  void CheckSettings(const notify::Settings& settings,
                     std::vector<notify::FieldIssue>& issues) const override;
  // The live checks of checks/live_checks.hpp.
  std::vector<notify::CheckStep> RunLiveChecks(const notify::Settings& settings,
                                               const notify::ValidationOptions& options) override;
  // A sender sharing the process-wide token cache of its app. No network.
  std::unique_ptr<notify::sdk::SenderBase> MakeSender(const notify::Settings& settings,
                                                      notify::ValidationReport& report) override;

 private:
  notify::HostContext& host_;
  Clock& clock_;
};

}  // namespace m365
