#pragma once
// The base class for a plugin's channel. Its public methods are final: they
// run the descriptor-driven field checks and the exception barrier once, for
// every plugin, and call the plugin's protected virtual functions for what is
// the plugin's own (its form, semantic checks, live checks, sender). A plugin
// built on it cannot forget either.
//
//   class MyChannel : public notify::sdk::ChannelBase {
//    public:
//     explicit MyChannel(notify::HostContext& host);
//    protected:
//     notify::ChannelInfo Describe() const override;
//     std::vector<notify::FieldDescriptor> Form() const override;
//     void CheckSettings(const notify::Settings&, std::vector<notify::FieldIssue>&) const override;
//     std::unique_ptr<notify::sdk::SenderBase> MakeSender(const notify::Settings&,
//                                                         notify::ValidationReport&) override;
//   };
//   NOTIFY_EXPORT_CHANNEL(MyChannel, "my_id", "My channel", "1.0.0")
#include <memory>
#include <vector>

#include "notify/host_api/channel.hpp"
#include "notify/sdk/sender_base.hpp"

namespace notify::sdk {

// A NotificationChannel built from protected virtuals.
//
// Threads: the host may call the public methods concurrently, from any
// threads, so every protected virtual may run concurrently with itself and
// with the others; a plugin guards any state it shares between calls.
//
// Errors: an exception from any virtual is caught here. In Validate and Open
// it becomes an error issue for the field "(plugin)" with the message
// "internal error: <what>" and a remedy; in Info, a ChannelInfo whose
// description is that message; in Fields, an empty form.
class ChannelBase : public NotificationChannel {
 public:
  // Describe(), or a minimal info naming the internal error.
  ChannelInfo Info() const noexcept final;
  // Form(), or no fields after an internal error.
  std::vector<FieldDescriptor> Fields() const noexcept final;
  // The generic checks of CheckFields(Form(), settings), then CheckSettings;
  // then, in online mode and only when no issue so far is an error,
  // RunLiveChecks. Every problem is reported at once.
  ValidationReport Validate(const Settings& settings,
                            const ValidationOptions& options) noexcept final;
  // The same field checks as offline Validate (no live checks); when they
  // pass, MakeSender. The sender is returned only when the report is ok();
  // a sender the plugin made regardless is destroyed here.
  OpenResult Open(const Settings& settings) noexcept final;

 protected:
  // The channel's id, display name, version and description. The id equals
  // the descriptor's id.
  virtual ChannelInfo Describe() const = 0;

  // The settings form, in display order. The generic checks run from it.
  virtual std::vector<FieldDescriptor> Form() const = 0;

  // Semantic checks beyond the descriptors (a path that must exist, a pair of
  // fields that must agree). Called after the generic checks with `issues`
  // holding what they found, so it can skip fields that already have an
  // error (HasErrorFor); appends its own issues, each with a remedy. No
  // network I/O: it also runs for offline validation and for Open.
  virtual void CheckSettings(const Settings& settings, std::vector<FieldIssue>& issues) const;

  // Live checks against the real service (network I/O, each step bounded by
  // the channel's timeout setting). Called only in online mode and only when
  // no field has an error. Returns one step per check, in order. The default
  // has none.
  virtual std::vector<CheckStep> RunLiveChecks(const Settings& settings,
                                               const ValidationOptions& options);

  // Called only when the settings passed the field checks (CheckFields and
  // CheckSettings). Returns the sender, or nullptr after appending to
  // `report` (an error issue or a failed step) why not. Should not do network
  // I/O: a sender connects when it delivers.
  virtual std::unique_ptr<SenderBase> MakeSender(const Settings& settings,
                                                 ValidationReport& report) = 0;

 private:
  // Sets `issues` to CheckFields(Form(), settings), then lets CheckSettings
  // append; what was found stays in `issues` should CheckSettings throw.
  void CheckAllFields(const Settings& settings, std::vector<FieldIssue>& issues) const;
};

}  // namespace notify::sdk
