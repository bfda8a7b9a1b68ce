// RunSave: how long Save (online validation) takes to pass and to fail.
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "channel/m365_channel.hpp"
#include "client_support.hpp"
#include "client_workloads.hpp"

namespace notify_bench {
namespace {

// One configuration to validate and what its outcome should be.
struct SaveCase {
  const char* name;
  notify::Settings settings;
  bool should_pass;
};

// The first failed step's name, "" when none failed.
std::string FailedStep(const notify::ValidationReport& report) {
  for (const auto& s : report.steps) {
    if (s.outcome == notify::StepOutcome::kFailed) return s.name;
  }
  return report.ok() ? "" : "fields";
}

}  // namespace

int RunSave(const notify::Settings& settings, int samples) {
  std::vector<SaveCase> cases;
  cases.push_back({"passing", settings, true});
  notify::Settings wrong_secret = settings;
  wrong_secret["client_secret"] = "Xq8~Wrong.Secret_Value-000000000000000000";
  cases.push_back({"wrong_secret", wrong_secret, false});
  notify::Settings no_permission = settings;
  no_permission["from_email"] = "other@contoso.onmicrosoft.com";
  cases.push_back({"no_mailbox_permission", no_permission, false});

  QuietHost host;
  m365::M365Channel channel(host);
  notify::ValidationOptions online;
  online.mode = notify::ValidationMode::kOnline;
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("samples", samples);
  bool all_as_expected = true;
  for (const SaveCase& c : cases) {
    std::vector<double> times;
    std::string failed_step;
    bool as_expected = true;
    for (int i = 0; i < samples; ++i) {
      auto start = std::chrono::steady_clock::now();
      notify::ValidationReport report = channel.Validate(c.settings, online);
      times.push_back(MillisSince(start));
      failed_step = FailedStep(report);
      as_expected = as_expected && report.ok() == c.should_pass;
    }
    Poco::JSON::Object::Ptr one = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    one->set("ms", ToJsonArray(times));
    one->set("as_expected", as_expected);
    one->set("failed_step", failed_step);
    out->set(c.name, one);
    all_as_expected = all_as_expected && as_expected;
  }
  return PrintResult(out, all_as_expected);
}

}  // namespace notify_bench
