#pragma once
// The two interfaces a channel plugin implements: NotificationChannel (one per
// loaded plugin, made by its factory) and Sender (one per opened ruleset).
// docs/host-api.md describes the whole contract; these comments are its
// reference, per declaration.
//
// Rules common to every method of both interfaces:
//   - Nothing throws: every method is noexcept. A failure is a value: a
//     FieldIssue, a failed CheckStep, an OpenResult without sender, a
//     DeliveryResult. (An exception that escaped would end the host.)
//   - Arguments passed by reference are valid only during the call; a plugin
//     copies what it keeps. Results are returned by value and belong to the
//     caller.
//   - Blocking: Info, Fields, offline Validate and Open do no network I/O and
//     return promptly. Online Validate and Deliver do network I/O and block
//     the calling thread. Each network step (DNS and connect, TLS handshake,
//     one command and its reply, one token request) is bounded by the
//     channel's own timeout setting, so every call ends; the length of a whole
//     call grows with its steps and messages, and each channel documents the
//     bound of one Deliver call. A host does not make these calls on a thread
//     that must stay responsive (an event loop, a UI thread).
//   - Versions: new virtual functions are only ever appended after the last
//     one below, and called only on plugins that declare that minor
//     (api_version.hpp).
#include <memory>
#include <string>
#include <vector>

#include "notify/host_api/api_version.hpp"
#include "notify/host_api/delivery.hpp"
#include "notify/host_api/fields.hpp"
#include "notify/host_api/health.hpp"
#include "notify/host_api/message.hpp"
#include "notify/host_api/sender_counters.hpp"
#include "notify/host_api/settings.hpp"
#include "notify/host_api/validation.hpp"

namespace notify {

// What a channel says about itself (NotificationChannel::Info).
struct ChannelInfo {
  std::string id;            // equals the descriptor's id, e.g. "m365_oauth_smtp"
  std::string display_name;  // shown to administrators
  std::string version;       // the plugin's own version, e.g. "1.0.0"
  std::string description;   // one sentence: what the channel delivers through
};

// A configured sender for one ruleset, made by NotificationChannel::Open.
//
// Threads: used by one thread at a time. A host may hand a sender from one
// thread to another between calls (with its own synchronization), but never
// calls Deliver concurrently on one sender; to deliver in parallel it opens
// one sender per thread. Senders of one channel may run at the same time as
// each other and as the channel's methods. A sender may start threads of its
// own inside Deliver; it has joined them before Deliver returns, so no work
// of a call outlives it.
//
// Ownership: the caller of Open owns the sender and destroys it, on any
// thread, when no Deliver is running. A sender may outlive the channel that
// made it (plugin libraries are never unloaded). Its destructor starts no
// new delivery; it closes what the sender holds open.
class Sender {
 public:
  virtual ~Sender() = default;

  // Delivers `batch` and returns exactly one result per message, in the
  // order given, each with its message's id, always: also for a message that
  // cannot be sent, after an internal error, and when the connection was
  // lost. An empty batch gets an empty list. Blocks for network I/O, each
  // step bounded by the channel's timeout setting. No result holds a secret.
  virtual std::vector<DeliveryResult> Deliver(const std::vector<Message>& batch) noexcept = 0;

  // Since API 1.1. The sender's health: kFailing when it cannot deliver until
  // an administrator changes something (a credential refused or expired),
  // kWarning when it delivers but needs attention soon (a credential that
  // expires within days), with cause and remedy. No I/O, returns promptly.
  // Unlike Deliver, callable from any thread at any time, also while Deliver
  // runs on another thread. Holds no secret.
  //
  // A host calls it only on senders of plugins whose descriptor declares API
  // 1.1 or newer: an older plugin's vtable has no such slot. HealthOf below
  // does that check; hosts call it rather than this method.
  virtual SenderHealth Health() const noexcept { return {}; }

  // Since API 1.3. What the sender has done since it was opened that a host
  // counts (sender_counters.hpp): the token requests its deliveries made.
  // No I/O, returns promptly, callable from any thread at any time, also
  // while Deliver runs. CountersOf below calls it only on senders of plugins
  // that declare 1.3 or newer; hosts call that rather than this method.
  virtual SenderCounters Counters() const noexcept { return {}; }
};

// True when a plugin built against `plugin` has Sender::Health.
constexpr bool HasSenderHealth(ApiVersion plugin) {
  return plugin.major == 1 ? plugin.minor >= 1 : plugin.major > 1;
}

// `sender.Health()` when its plugin (built against `plugin`) has it; else a
// report of state kUnknown whose cause says the plugin predates it.
inline SenderHealth HealthOf(ApiVersion plugin, const Sender& sender) noexcept {
  if (HasSenderHealth(plugin)) return sender.Health();
  SenderHealth unknown;
  unknown.cause = "the plugin was built for host API 1.0, which has no sender health";
  return unknown;
}

// True when a plugin built against `plugin` has Sender::Counters.
constexpr bool HasSenderCounters(ApiVersion plugin) {
  return plugin.major == 1 ? plugin.minor >= 3 : plugin.major > 1;
}

// `sender.Counters()` when its plugin (built against `plugin`) has it; else
// zeros: an older plugin's counts are unknown to the host.
inline SenderCounters CountersOf(ApiVersion plugin, const Sender& sender) noexcept {
  if (HasSenderCounters(plugin)) return sender.Counters();
  return {};
}

// The outcome of NotificationChannel::Open; belongs to the caller.
struct OpenResult {
  std::unique_ptr<Sender> sender;  // nullptr on failure; `report` then says why
  ValidationReport report;         // the offline validation of the settings; may
                                   // hold warnings next to a sender
};

// A delivery channel offered by a plugin.
//
// Threads: every method may be called concurrently, from any threads, on one
// channel object (a host may validate one ruleset while it opens senders for
// others). A channel guards whatever state it shares between calls.
//
// Ownership and lifetime: the host owns the channel its factory returned and
// destroys it with `delete`, on any thread, after every call into it has
// returned; senders it made may still be alive then. The HostContext given to
// the factory outlives the channel, every sender and every thread of the
// plugin. A host never unloads a plugin library while the process runs, so
// no code of the plugin (a detached thread, a static destructor) outlives it.
class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;

  // The channel's id, name, version and description. No I/O.
  virtual ChannelInfo Info() const noexcept = 0;

  // The settings form, in display order; the same for the life of the
  // channel. No I/O.
  virtual std::vector<FieldDescriptor> Fields() const noexcept = 0;

  // Checks `settings` and reports every problem at once, each with a remedy.
  // Offline: the field checks (generic and the channel's own), no network
  // I/O. Online: the field checks, then, only when no field has an error, the
  // live checks against the service, in order, and a test message to
  // options.test_recipient when it is set and every live check passed. A host
  // stores settings only when the report is ok().
  virtual ValidationReport Validate(const Settings& settings,
                                    const ValidationOptions& options) noexcept = 0;

  // Runs the offline checks of Validate and, when they pass, creates a sender
  // for `settings`; otherwise sender is nullptr and report says why. No
  // network I/O: the sender connects when it first delivers.
  virtual OpenResult Open(const Settings& settings) noexcept = 0;
};

}  // namespace notify
