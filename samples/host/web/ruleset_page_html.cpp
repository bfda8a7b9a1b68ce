#include "web/ruleset_page_html.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include "web/html_escape.hpp"

namespace notify_host::web {
namespace {

// Credentials expiring within this are flagged on the list (docs/channel-settings.md,
// "secret_expires": warnings from 30 days before).
constexpr std::int64_t kExpiringSoonS = 30 * 24 * 3600;

std::string E(const std::string& text) { return HtmlEscape(text); }

std::string Date(std::int64_t unix_s) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(unix_s), "%Y-%m-%d");
}

std::string Mark(notify::StepOutcome o) {
  switch (o) {
    case notify::StepOutcome::kPassed:
      return "\xE2\x9C\x93";  // check mark
    case notify::StepOutcome::kFailed:
      return "\xE2\x9C\x97";  // ballot x
    case notify::StepOutcome::kSkipped:
      return "\xE2\x80\x93";  // en dash
  }
  return "";
}

std::string ChannelOptions(const std::vector<ChannelChoice>& channels, const std::string& chosen) {
  std::string html;
  for (const auto& c : channels)
    html += "<option value=\"" + E(c.id) + "\"" + (c.id == chosen ? " selected" : "") + ">" +
            E(c.display_name) + " (" + E(c.id) + ")</option>";
  return html;
}

std::string IssueLine(const notify::FieldIssue& issue) {
  std::string html = "<p class=\"issue " + std::string(notify::ToString(issue.severity)) +
                     "\" data-field=\"" + E(issue.field) + "\"><span class=\"what\">" +
                     E(issue.message) + "</span>";
  if (!issue.remedy.empty()) html += " <span class=\"remedy\">" + E(issue.remedy) + "</span>";
  return html + "</p>";
}

// One input of the form, with its label, help, errors and (for a stored
// secret) the rule for keeping it.
std::string FieldHtml(const notify::FieldDescriptor& f, const RulesetPageView& v) {
  const std::string id = "in-" + f.key;
  std::vector<const notify::FieldIssue*> issues;
  if (v.report)
    for (const auto& i : v.report->issues)
      if (i.field == f.key) issues.push_back(&i);
  auto shown = v.values.find(f.key);
  std::string value = shown != v.values.end() ? shown->second : f.default_value;
  const bool stored_secret = f.type == notify::FieldType::kSecret && v.stored_secrets.count(f.key);

  std::string described = "help-" + f.key;
  if (!issues.empty()) described += " err-" + f.key;
  if (stored_secret) described += " rule-" + f.key;
  std::string attrs =
      " id=\"" + E(id) + "\" name=\"" + E(f.key) + "\" aria-describedby=\"" + E(described) + "\"";
  if (f.required) attrs += " aria-required=\"true\"";
  for (const auto* i : issues)
    if (i->severity == notify::Severity::kError) {
      attrs += " aria-invalid=\"true\"";
      break;
    }

  std::string html = "<div class=\"field" + std::string(issues.empty() ? "" : " has-issue") +
                     "\">\n<label for=\"" + E(id) + "\">" + E(f.label);
  if (f.required) html += " <span class=\"required\" title=\"required\">*</span>";
  html += "</label>\n";
  switch (f.type) {
    case notify::FieldType::kChoice:
    case notify::FieldType::kBoolean: {
      std::vector<std::string> choices = f.choices;
      if (f.type == notify::FieldType::kBoolean) choices = {"true", "false"};
      html += "<select" + attrs + ">";
      if (!f.required && f.default_value.empty())
        html += std::string("<option value=\"\"") + (value.empty() ? " selected" : "") +
                ">(none)</option>";
      for (const auto& c : choices)
        html += "<option value=\"" + E(c) + "\"" + (c == value ? " selected" : "") + ">" + E(c) +
                "</option>";
      html += "</select>\n";
      break;
    }
    case notify::FieldType::kSecret:
      // Write-only: the value never goes back to the browser.
      html += "<input type=\"password\" autocomplete=\"new-password\"" + attrs +
              (stored_secret ? " placeholder=\"stored - type to replace\"" : "") + ">\n";
      break;
    default: {
      std::string type = "text";
      std::string extra;
      if (f.type == notify::FieldType::kInteger) {
        type = "number";
        if (f.min) extra += " min=\"" + std::to_string(*f.min) + "\"";
        if (f.max) extra += " max=\"" + std::to_string(*f.max) + "\"";
      } else if (f.type == notify::FieldType::kEmail) {
        type = "email";
      } else if (f.type == notify::FieldType::kUrl) {
        type = "url";
      }
      html += "<input type=\"" + type + "\"" + attrs + extra + " value=\"" + E(value) +
              "\" maxlength=\"" + std::to_string(f.max_length) + "\">\n";
    }
  }
  html += "<p class=\"help\" id=\"help-" + E(f.key) + "\">" + E(f.help);
  if (!f.default_value.empty() && f.type != notify::FieldType::kSecret)
    html += " <span class=\"default\">Default: " + E(f.default_value) + ".</span>";
  html += "</p>\n";
  if (stored_secret)
    // The rule of docs/security.md, "Secrets and tokens": a stored secret is
    // kept only while every other setting stays as it was.
    html += "<p class=\"rule\" id=\"rule-" + E(f.key) +
            "\">A value is stored. Leave this empty to keep it, but only while every other "
            "setting stays as it was: after changing any other field (a host, a port, a tenant, "
            "a URL...), type the secret again, so that a stored secret is never sent to an "
            "endpoint it was not saved for.</p>\n";
  if (!issues.empty()) {
    html += "<div id=\"err-" + E(f.key) + "\">";
    for (const auto* i : issues) html += IssueLine(*i);
    html += "</div>\n";
  }
  return html + "</div>\n";
}

}  // namespace

std::string HealthText(const RulesetHealth& h, std::int64_t now_unix_s) {
  std::string text;
  if (h.state == "unknown")
    text = "unknown (nothing delivered yet)";
  else if (h.state == "failing")
    text = "failing: " + h.cause;
  else if (h.state == "warning")
    text = "warning: " + h.cause;
  else
    text = h.state;
  if (h.credential_expires_unix_s > 0 && h.credential_expires_unix_s - now_unix_s < kExpiringSoonS)
    text += " - credential expiring soon (" + Date(h.credential_expires_unix_s) + ")";
  return text;
}

std::string RulesetListHtml(const std::vector<RulesetRow>& rows,
                            const std::vector<ChannelChoice>& channels, std::int64_t now_unix_s) {
  std::string html = "<h1>Rulesets</h1>\n";
  if (rows.empty()) {
    html += "<p>No ruleset yet.</p>\n";
  } else {
    html +=
        "<table class=\"rulesets\"><thead><tr><th scope=\"col\">Ruleset</th>"
        "<th scope=\"col\">Channel</th><th scope=\"col\">Health</th></tr></thead><tbody>\n";
    for (const auto& r : rows) {
      html += "<tr data-ruleset=\"" + E(r.name) + "\" data-health=\"" + E(r.health.state) +
              "\"><td><a href=\"/ruleset?name=" + E(r.name) + "\">" + E(r.name) + "</a></td><td>" +
              E(r.channel) + "</td><td class=\"health " + E(r.health.state) + "\">" +
              E(HealthText(r.health, now_unix_s));
      if (r.health.state == "failing" && !r.health.remedy.empty())
        html += "<br><span class=\"remedy\">" + E(r.health.remedy) + "</span>";
      html += "</td></tr>\n";
    }
    html += "</tbody></table>\n";
  }
  html +=
      "<h2>New ruleset</h2>\n<form method=\"get\" action=\"/ruleset\" class=\"new\">\n"
      "<div class=\"field\"><label for=\"new-name\">Name</label>"
      "<input id=\"new-name\" name=\"name\" required maxlength=\"64\" "
      "pattern=\"[A-Za-z0-9._\\-]{1,64}\" aria-describedby=\"new-name-help\">"
      "<p class=\"help\" id=\"new-name-help\">1-64 characters of A-Z a-z 0-9 . _ -</p></div>\n"
      "<div class=\"field\"><label for=\"new-channel\">Channel</label>"
      "<select id=\"new-channel\" name=\"channel\">" +
      ChannelOptions(channels, "") +
      "</select></div>\n<button type=\"submit\">Open its Notifications page</button>\n</form>\n";
  return html;
}

std::string ReportHtml(const notify::ValidationReport& report, const std::string& heading,
                       bool passed, const std::set<std::string>& fields_shown) {
  std::string html = "<section class=\"report " + std::string(passed ? "passed" : "failed") +
                     "\" id=\"report\" aria-labelledby=\"report-heading\" tabindex=\"-1\">\n"
                     "<h2 id=\"report-heading\">" +
                     E(heading) + "</h2>\n";
  std::string others;
  for (const auto& i : report.issues)
    if (!fields_shown.count(i.field))
      others += "<li>" + E(i.field) + ": " + IssueLine(i) + "</li>\n";
  int errors = 0;
  for (const auto& i : report.issues)
    if (i.severity == notify::Severity::kError) ++errors;
  if (errors > 0)
    html += "<p>" + std::to_string(errors) + " field error" + (errors == 1 ? "" : "s") +
            ", shown beside " + (errors == 1 ? "its field" : "their fields") + ".</p>\n";
  if (!others.empty()) html += "<ul class=\"issues\">\n" + others + "</ul>\n";
  if (!report.steps.empty()) {
    html += "<ol class=\"steps\">\n";
    for (const auto& s : report.steps) {
      const std::string outcome = notify::ToString(s.outcome);
      html += "<li class=\"step " + outcome + "\" data-step=\"" + E(s.name) + "\" data-outcome=\"" +
              outcome + "\"><span class=\"mark\" aria-hidden=\"true\">" + Mark(s.outcome) +
              "</span> <span class=\"name\">" + E(s.name) + "</span> <span class=\"outcome\">" +
              outcome + "</span> <span class=\"time\">" + std::to_string(s.elapsed_ms) +
              " ms</span>";
      if (!s.detail.empty()) html += "<p class=\"detail\">" + E(s.detail) + "</p>";
      if (!s.remedy.empty()) html += "<p class=\"remedy\">" + E(s.remedy) + "</p>";
      html += "</li>\n";
    }
    html += "</ol>\n";
  }
  return html + "</section>\n";
}

std::string RulesetPageHtml(const RulesetPageView& v, std::int64_t now_unix_s) {
  std::string html =
      "<h1>Notifications of ruleset <span class=\"name\">" + E(v.ruleset) + "</span></h1>\n";
  if (v.exists)
    html += "<p class=\"health " + E(v.health.state) +
            "\">Channel health: " + E(HealthText(v.health, now_unix_s)) + "</p>\n";
  else
    html += "<p>New ruleset: nothing is stored until Save passes.</p>\n";
  if (!v.notice.empty()) html += "<p class=\"notice\">" + E(v.notice) + "</p>\n";
  std::set<std::string> keys;
  for (const auto& f : v.fields) keys.insert(f.key);
  if (v.report) html += ReportHtml(*v.report, v.report_heading, v.report_passed, keys);

  // The channel picker: its own small form, so no typed value travels in a URL.
  html +=
      "<form method=\"get\" action=\"/ruleset\" class=\"picker\">\n"
      "<input type=\"hidden\" name=\"name\" value=\"" +
      E(v.ruleset) +
      "\">\n<label for=\"channel\">Channel</label> <select id=\"channel\" name=\"channel\">" +
      ChannelOptions(v.channels, v.channel) +
      "</select> <button type=\"submit\" class=\"switch\">Show its form</button>\n</form>\n";

  html +=
      "<form method=\"post\" action=\"/ruleset\" class=\"settings\" novalidate>\n"
      "<input type=\"hidden\" name=\"_csrf\" value=\"" +
      E(v.csrf) + "\">\n<input type=\"hidden\" name=\"_ruleset\" value=\"" + E(v.ruleset) +
      "\">\n<input type=\"hidden\" name=\"_channel\" value=\"" + E(v.channel) + "\">\n";
  html += "<p class=\"legend\"><span class=\"required\">*</span> required</p>\n";
  std::string advanced;
  bool advanced_issue = false;
  for (const auto& f : v.fields) {
    if (f.group == notify::FieldGroup::kAdvanced) {
      advanced += FieldHtml(f, v);
      if (v.report)
        for (const auto& i : v.report->issues) advanced_issue |= i.field == f.key;
    } else {
      html += FieldHtml(f, v);
    }
  }
  if (!advanced.empty())
    html += std::string("<details class=\"advanced\"") + (advanced_issue ? " open" : "") +
            "><summary>Advanced settings</summary>\n" + advanced + "</details>\n";
  html +=
      "<button type=\"submit\" class=\"save\">Save</button>\n"
      "<p class=\"help\">Save checks every field, then connects to the service with these "
      "settings; only settings that pass are stored.</p>\n</form>\n";

  if (v.exists)
    html +=
        "<h2>Send a test message</h2>\n"
        "<form method=\"post\" action=\"/ruleset/test\" class=\"test\">\n"
        "<input type=\"hidden\" name=\"_csrf\" value=\"" +
        E(v.csrf) + "\">\n<input type=\"hidden\" name=\"_ruleset\" value=\"" + E(v.ruleset) +
        "\">\n<label for=\"test-to\">To</label> <input type=\"email\" id=\"test-to\" "
        "name=\"_test_to\" value=\"" +
        E(v.test_to) +
        "\" aria-describedby=\"test-help\"> <button type=\"submit\">Send test "
        "message</button>\n<p class=\"help\" id=\"test-help\">Runs the live checks with the "
        "stored settings, then sends one message to this address.</p>\n</form>\n";
  return html;
}

}  // namespace notify_host::web
