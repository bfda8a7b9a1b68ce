#include "notify/sdk/channel_base.hpp"

#include <string>

#include "notify/sdk/barrier.hpp"
#include "notify/sdk/settings.hpp"

namespace notify::sdk {
namespace {

FieldIssue InternalError(const std::string& what) {
  return {"(plugin)", Severity::kError, "internal error: " + what,
          "This is a fault in the plugin, not in the settings: try again, and if it repeats, "
          "report it to the plugin's author with the host's log."};
}

}  // namespace

ChannelInfo ChannelBase::Info() const noexcept {
  return Guard([&] { return Describe(); },
               [](const std::string& what) {
                 ChannelInfo info;
                 info.description = "internal error: " + what;
                 return info;
               });
}

std::vector<FieldDescriptor> ChannelBase::Fields() const noexcept {
  return Guard([&] { return Form(); },
               [](const std::string&) { return std::vector<FieldDescriptor>{}; });
}

void ChannelBase::CheckAllFields(const Settings& settings, std::vector<FieldIssue>& issues) const {
  issues = CheckFields(Form(), settings);
  CheckSettings(settings, issues);
}

ValidationReport ChannelBase::Validate(const Settings& settings,
                                       const ValidationOptions& options) noexcept {
  // Filled step by step, so that what was found before an exception is kept.
  ValidationReport report;
  Guard(
      [&] {
        CheckAllFields(settings, report.issues);
        if (options.mode == ValidationMode::kOnline && !HasError(report.issues))
          report.steps = RunLiveChecks(settings, options);
        return true;
      },
      [&](const std::string& what) {
        report.issues.push_back(InternalError(what));
        return false;
      });
  return report;
}

OpenResult ChannelBase::Open(const Settings& settings) noexcept {
  OpenResult result;
  Guard(
      [&] {
        CheckAllFields(settings, result.report.issues);
        if (!result.report.ok()) return false;
        std::unique_ptr<SenderBase> sender = MakeSender(settings, result.report);
        if (sender == nullptr && result.report.ok())
          result.report.issues.push_back(
              InternalError("the plugin made no sender and said not why"));
        if (result.report.ok()) result.sender = std::move(sender);
        return true;
      },
      [&](const std::string& what) {
        result.sender.reset();
        result.report.issues.push_back(InternalError(what));
        return false;
      });
  return result;
}

void ChannelBase::CheckSettings(const Settings&, std::vector<FieldIssue>&) const {}

std::vector<CheckStep> ChannelBase::RunLiveChecks(const Settings&, const ValidationOptions&) {
  return {};
}

}  // namespace notify::sdk
