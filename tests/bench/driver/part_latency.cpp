// Part 4: latency of one message (cold, warm token, warm connection) and of
// Save (online validation) passing and failing.
#include <Poco/JSON/Array.h>

#include <string>
#include <vector>

#include "parts.hpp"

namespace notify_bench {
namespace {

std::vector<double> Samples(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  std::vector<double> values;
  if (!object || !object->has(key)) return values;
  auto array = object->getArray(key);
  for (std::size_t i = 0; i < array->size(); ++i) values.push_back(array->getElement<double>(i));
  return values;
}

std::vector<std::string> Row(const std::string& what, const std::vector<double>& ms) {
  return {what, std::to_string(ms.size()), Fixed(Quantile(ms, 0.5), 2),
          Fixed(Quantile(ms, 0.99), 2), Fixed(Quantile(ms, 1.0), 2)};
}

void SendLatency(BenchEnv& env, Report& report) {
  env.Configure();
  int samples = env.options().latency_samples;
  Poco::JSON::Object::Ptr out;
  ChildResult r = env.RunClient("latency", {"--samples", std::to_string(samples)},
                                std::chrono::seconds(60 + samples), &out);
  m365emu::Stats stats = env.emulator().stats();
  Table table{"4a. Latency of one message (ms)", {"case", "samples", "median", "p99", "max"}};
  table.rows.push_back(
      Row("cold: new sender (TLS context, token) + connect + STARTTLS + AUTH + send + QUIT",
          Samples(out, "cold_ms")));
  table.rows.push_back(Row("warm token: Deliver of 1 on a new connection (keep_open_seconds 0)",
                           Samples(out, "warm_token_ms")));
  const std::vector<double> warm_sender = Samples(out, "warm_sender_ms");
  table.rows.push_back(
      Row("warm sender: Deliver of 1, the connection kept open since the last call", warm_sender));
  table.rows.push_back(Row("warm connection: MIME + MAIL/RCPT/DATA on an open one",
                           Samples(out, "warm_connection_ms")));
  table.notes.push_back(
      "Token requests during this part: " + std::to_string(stats.token_requests) +
      " (cold samples + 3 expected: one per cold sender, one per warm sender, one "
      "warm connection).");
  report.AddTable(table);
  if (out) report.json().set("latency", out);
  const double median = Quantile(warm_sender, 0.5), p99 = Quantile(warm_sender, 0.99);
  report.AddTarget({"one message on a warm sender: median <= 2 ms, p99 <= 5 ms",
                    Fixed(median, 2) + " ms, " + Fixed(p99, 2) + " ms",
                    !warm_sender.empty() && median <= 2.0 && p99 <= 5.0});
  if (!r.ok()) {
    std::string error = out && out->has("error") ? out->getValue<std::string>("error") : r.error;
    report.Fail("latency: " + error);
  }
}

// The same cases on the Microsoft Graph route (the guide's Mail.Send-only
// app): a warm sender reuses its keep-alive connection.
void GraphSendLatency(BenchEnv& env, Report& report) {
  env.Configure();
  int samples = env.options().latency_samples;
  Poco::JSON::Object::Ptr out;
  notify::Settings settings = env.GraphSettings();
  ChildResult r = env.RunClient("latency", {"--samples", std::to_string(samples)},
                                std::chrono::seconds(60 + samples), &out, &settings);
  Table table{"4c. Latency of one message on the Microsoft Graph route (ms)",
              {"case", "samples", "median", "p99", "max"}};
  table.rows.push_back(Row("cold: new sender (route decision, tokens) + TLS + sendMail (202)",
                           Samples(out, "cold_ms")));
  table.rows.push_back(
      Row("warm: Deliver of 1 on a sender's keep-alive connection", Samples(out, "warm_token_ms")));
  table.notes.push_back(
      "Next to 4a: the same message as a sendMail request. Graph's 202 means accepted, as "
      "SMTP's 250.");
  report.AddTable(table);
  if (out) report.json().set("latency_graph", out);
  if (!r.ok()) {
    std::string error = out && out->has("error") ? out->getValue<std::string>("error") : r.error;
    report.Fail("graph latency: " + error);
  }
}

void SaveLatency(BenchEnv& env, Report& report) {
  env.Configure();
  int samples = env.options().save_samples;
  Poco::JSON::Object::Ptr out;
  ChildResult r = env.RunClient("save", {"--samples", std::to_string(samples)},
                                std::chrono::seconds(60 + samples * 10), &out);
  Table table{"4b. Save: channel Validate, online (ms)",
              {"configuration", "samples", "median", "p99", "max", "failed step"}};
  double passing_max = 0;
  for (const char* name : {"passing", "wrong_secret", "no_mailbox_permission"}) {
    Poco::JSON::Object::Ptr one = out && out->has(name) ? out->getObject(name) : nullptr;
    std::vector<double> ms = Samples(one, "ms");
    std::vector<std::string> row = Row(name, ms);
    row.push_back(one ? one->getValue<std::string>("failed_step") : "?");
    if (row.back().empty()) row.back() = "none";
    table.rows.push_back(row);
    if (std::string(name) == "passing") passing_max = Quantile(ms, 1.0);
  }
  table.notes.push_back(
      "passing: token, claims, connect, STARTTLS, TLS, AUTH, QUIT; wrong_secret fails at the "
      "token (AADSTS7000215); no_mailbox_permission fails at AUTH (535 5.7.3).");
  report.AddTable(table);
  if (out) report.json().set("save", out);
  if (!r.ok()) report.Fail("save: a configuration did not pass or fail as expected");
  report.AddTarget({"Save on loopback <= 1.5 s passing (max of samples)",
                    Fixed(passing_max, 1) + " ms", r.ok() && passing_max <= 1500});
}

}  // namespace

void RunLatencyPart(BenchEnv& env, Report& report) {
  SendLatency(env, report);
  GraphSendLatency(env, report);
  SaveLatency(env, report);
}

}  // namespace notify_bench
