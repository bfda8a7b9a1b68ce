#pragma once
#include <memory>
#include <string>
#include <vector>

#include "notify/host_api/delivery.hpp"
#include "notify/host_api/fields.hpp"
#include "notify/host_api/message.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace notify {

struct ChannelInfo {
  std::string id;
  std::string display_name;
  std::string version;
  std::string description;
};

// A configured sender for one ruleset. Safe to call from one thread at a time.
class Sender {
 public:
  virtual ~Sender() = default;
  // Returns exactly one result per message, in the order given, always.
  virtual std::vector<DeliveryResult> Deliver(const std::vector<Message>& batch) noexcept = 0;
};

// The outcome of NotificationChannel::Open: a sender, or a report saying why not.
struct OpenResult {
  std::unique_ptr<Sender> sender;  // nullptr on failure
  ValidationReport report;         // the offline validation of the settings
};

// A delivery channel offered by a plugin. No method throws.
class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;
  virtual ChannelInfo Info() const noexcept = 0;
  // The settings form, in display order.
  virtual std::vector<FieldDescriptor> Fields() const noexcept = 0;
  // Checks `settings`: fields only (offline), or fields and then live checks.
  virtual ValidationReport Validate(const Settings& settings,
                                    const ValidationOptions& options) noexcept = 0;
  // Creates a sender for valid settings; sender is nullptr and report says why otherwise.
  // A host never unloads a plugin library, so the sender may outlive the channel.
  virtual OpenResult Open(const Settings& settings) noexcept = 0;
};

}  // namespace notify
