// A minimal channel built only on the SDK: each message becomes an .eml file
// in a directory. It shows a plugin author the whole path: the form, a
// semantic check, a sender, and the export macro. ChannelBase and SenderBase
// do the rest: field checks, exception barrier, one result per message.
#include <filesystem>
#include <fstream>

#include "notify/sdk/channel_base.hpp"
#include "notify/sdk/export.hpp"
#include "notify/sdk/settings.hpp"

namespace {

namespace fs = std::filesystem;
using notify::DeliveryResult;
using notify::DeliveryStatus;
using notify::FieldIssue;
using notify::Severity;

std::vector<notify::FieldDescriptor> EmlFields() {
  notify::FieldDescriptor directory{"directory", "Directory", notify::FieldType::kPath, true};
  directory.help = "An existing directory the host may write to; one .eml file per message.";
  notify::FieldDescriptor pattern{"file_pattern", "File name pattern", notify::FieldType::kText};
  pattern.default_value = "{id}.eml";
  pattern.help = "File name for each message; {id} is replaced by the message id.";
  pattern.max_length = 128;
  return {directory, pattern};
}

// A file name from the pattern, or "" when the result could escape the directory.
std::string FileName(const std::string& pattern, const std::string& id) {
  std::string name = pattern;
  auto at = name.find("{id}");
  if (at != std::string::npos) name.replace(at, 4, id);
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return "";
  return name;
}

bool HasLineBreak(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

class EmlSender : public notify::sdk::SenderBase {
 public:
  EmlSender(fs::path directory, std::string pattern)
      : directory_(std::move(directory)), pattern_(std::move(pattern)) {}

 protected:
  std::vector<DeliveryResult> DeliverBatch(const std::vector<notify::Message>& batch) override {
    std::vector<DeliveryResult> results;
    for (const auto& m : batch) results.push_back(Write(m));
    return results;
  }

 private:
  // Never throws for one bad message: that would fail the whole batch.
  DeliveryResult Write(const notify::Message& m) const {
    if (m.to.empty()) return {m.id, DeliveryStatus::kRejected, 0, "", "message has no recipient"};
    if (HasLineBreak(m.subject))
      return {m.id, DeliveryStatus::kRejected, 0, "", "subject has a line break"};
    std::string name = FileName(pattern_, m.id);
    if (name.empty())
      return {m.id, DeliveryStatus::kRejected, 0, "", "message id makes no safe file name"};
    fs::path target = directory_ / name;
    fs::path temp = directory_ / ("." + name + ".tmp");
    {
      std::ofstream out(temp, std::ios::binary);
      out << "To: ";
      for (std::size_t i = 0; i < m.to.size(); ++i) out << (i ? ", " : "") << m.to[i];
      out << "\r\nSubject: " << m.subject << "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
          << m.text_body << "\r\n";
      if (!out.flush())
        return {m.id, DeliveryStatus::kRetryLater, 0, "", "cannot write " + temp.string(), 60};
    }
    std::error_code ec;
    fs::rename(temp, target, ec);  // whole files only: a reader never sees half a message
    if (ec) return {m.id, DeliveryStatus::kRetryLater, 0, "", "cannot rename " + temp.string(), 60};
    return {m.id, DeliveryStatus::kDelivered, 0, "", "written to " + target.string()};
  }

  fs::path directory_;
  std::string pattern_;
};

// Stateless but for the (thread-safe) host context: safe to call concurrently.
class EmlChannel : public notify::sdk::ChannelBase {
 public:
  explicit EmlChannel(notify::HostContext& host) : host_(host) {}

 protected:
  notify::ChannelInfo Describe() const override {
    return {"eml_file", "E-mail files (.eml)", "1.0.0",
            "Writes each notification as an .eml file."};
  }

  std::vector<notify::FieldDescriptor> Form() const override { return EmlFields(); }

  void CheckSettings(const notify::Settings& settings,
                     std::vector<FieldIssue>& issues) const override {
    notify::sdk::SettingsView view(EmlFields(), settings);
    std::error_code ec;
    if (view.Has("directory") && !notify::sdk::HasErrorFor(issues, "directory") &&
        !fs::is_directory(view.Get("directory"), ec)) {
      issues.push_back({"directory", Severity::kError,
                        "Directory: '" + view.Get("directory") + "' is not a directory",
                        "Create it, or enter the path of an existing directory."});
    }
    if (!notify::sdk::HasErrorFor(issues, "file_pattern") &&
        FileName(view.Get("file_pattern"), "x").empty()) {
      issues.push_back({"file_pattern", Severity::kError,
                        "File name pattern: must name a file, without '/'",
                        "Use a plain file name such as {id}.eml."});
    }
  }

  std::unique_ptr<notify::sdk::SenderBase> MakeSender(const notify::Settings& settings,
                                                      notify::ValidationReport&) override {
    notify::sdk::SettingsView view(EmlFields(), settings);
    host_.Log(notify::LogLevel::kInfo, "eml_file: writing to " + view.Get("directory"));
    return std::make_unique<EmlSender>(view.Get("directory"), view.Get("file_pattern"));
  }

 private:
  notify::HostContext& host_;
};

}  // namespace

NOTIFY_EXPORT_CHANNEL(EmlChannel, "eml_file", "E-mail files (.eml)", "1.0.0")
