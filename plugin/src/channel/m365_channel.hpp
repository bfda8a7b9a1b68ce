#pragma once
// The Microsoft 365 (OAuth2) notification channel: the settings form, the
// checks at Save, and senders for valid settings. Glue only; the work is in
// m365_config, validation, token_cache and m365_sender.
#include "common/clock.hpp"
#include "notify/host_api/channel.hpp"
#include "notify/host_api/host_context.hpp"

namespace m365 {

// The channel's id (a contract with stored rulesets), name and version.
inline constexpr const char* kChannelId = "m365_oauth_smtp";
inline constexpr const char* kChannelDisplayName = "Microsoft 365 (OAuth2)";
inline constexpr const char* kChannelVersion = "1.0.0";

// The NotificationChannel of this plugin. Every method is noexcept: errors
// become report issues or steps through the SDK's Guard. Thread-safe.
class M365Channel : public notify::NotificationChannel {
 public:
  // `host` and `clock` must outlive the channel and every sender it opens;
  // `clock` paces the senders' retries (tests pass a ManualClock).
  explicit M365Channel(notify::HostContext& host, Clock& clock = SteadyClock());

  notify::ChannelInfo Info() const noexcept override;
  // design.md section 4, basic fields first, advanced ones last.
  std::vector<notify::FieldDescriptor> Fields() const noexcept override;
  // Field checks always; live checks (checks/live_checks.hpp) only in online mode and
  // only when no field has an error.
  notify::ValidationReport Validate(const notify::Settings& settings,
                                    const notify::ValidationOptions& options) noexcept override;
  // A sender sharing the process-wide token cache of its app, or nullptr and
  // the report of the field checks when the settings are invalid. No network.
  notify::OpenResult Open(const notify::Settings& settings) noexcept override;

 private:
  notify::HostContext& host_;
  Clock& clock_;
};

}  // namespace m365
