#pragma once
// The HTML of the rulesets list and of a ruleset's Notifications page
// (docs/settings-page.md). The form is generated from the channel's field
// descriptors alone, so any channel gets its page; nothing here knows one.
// The page's contract for scripts and tests: each input's name is its field
// key, the page's own inputs start with '_'; each validation step is one
// element with data-step and data-outcome; field errors carry data-field;
// a secret input is type=password and never has a value.
#include <set>
#include <string>
#include <vector>

#include "notify/host_api/host_api.hpp"
#include "service/delivery_queue.hpp"

namespace notify_host::web {

struct ChannelChoice {
  std::string id;
  std::string display_name;
};

struct RulesetRow {
  std::string name;
  std::string channel;
  RulesetHealth health;
};

// The list with each ruleset's channel and health, and the form that starts
// a new ruleset (its name and channel). `now_unix_s` decides "expiring soon".
std::string RulesetListHtml(const std::vector<RulesetRow>& rows,
                            const std::vector<ChannelChoice>& channels, std::int64_t now_unix_s);

struct RulesetPageView {
  std::string ruleset;  // its name
  bool exists = false;  // stored already
  std::string channel;  // the chosen channel's id
  std::vector<ChannelChoice> channels;
  std::vector<notify::FieldDescriptor> fields;
  notify::Settings values;                           // what the inputs show; secrets never
  std::set<std::string> stored_secrets;              // secret keys with a stored value
  const notify::ValidationReport* report = nullptr;  // after Save or a test message
  std::string report_heading;
  bool report_passed = false;
  std::string notice;  // a line above the form (plain text), or ""
  std::string csrf;
  std::string test_to;
  RulesetHealth health;
};

std::string RulesetPageHtml(const RulesetPageView& view, std::int64_t now_unix_s);

// The steps and the issues no field shows, as HTML.
std::string ReportHtml(const notify::ValidationReport& report, const std::string& heading,
                       bool passed, const std::set<std::string>& fields_shown);

// "ok", "failing: cause", ... for the list and the page (plain text).
std::string HealthText(const RulesetHealth& health, std::int64_t now_unix_s);

}  // namespace notify_host::web
