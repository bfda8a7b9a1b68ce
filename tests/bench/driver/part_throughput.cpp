// Part 1: N messages unthrottled through the plugin and through its peers,
// each a separate client process measured with wait4.
#include <Poco/JSON/Array.h>
#include <Poco/Path.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "bench_message.hpp"
#include "parts.hpp"

namespace notify_bench {
namespace {

// One client's run: what it sent and what it used.
struct PeerRun {
  std::string name;
  std::string how;
  int messages = 0;
  std::uint64_t accepted = 0;  // by the emulator
  std::uint64_t connections = 0;
  std::uint64_t token_requests = 0;
  double wall_ms = 0;
  double cpu_ms = 0;
  long max_rss_kb = 0;
  double server_cpu_ms = 0;  // notify-bench itself: the emulator's threads
  std::string error;         // first failure, "" when none
  bool skipped = false;

  double MsgsPerSecond() const { return wall_ms > 0 ? accepted * 1000.0 / wall_ms : 0; }
  double CpuPerMessage() const { return accepted > 0 ? cpu_ms / accepted : 0; }
  double ServerCpuPerMessage() const { return accepted > 0 ? server_cpu_ms / accepted : 0; }
};

void Accumulate(PeerRun& run, const ChildResult& r, const std::string& stderr_file) {
  run.wall_ms += r.wall_ms;
  run.cpu_ms += r.cpu_ms;
  run.max_rss_kb = std::max(run.max_rss_kb, r.max_rss_kb);
  if (!r.ok() && run.error.empty()) {
    run.error = r.timed_out ? "timed out" : "exit " + std::to_string(r.exit_code);
    run.error += " " + r.error + " " + ReadWholeFile(stderr_file).substr(0, 200);
  }
}

// CPU time (user + system) of this process so far, in ms.
double OwnCpuMs() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

// Zeroes the emulator's counters and notes this process's CPU time.
void Start(BenchEnv& env, PeerRun& run) {
  env.Configure();
  run.server_cpu_ms = -OwnCpuMs();
}

void Finish(BenchEnv& env, PeerRun& run) {
  run.server_cpu_ms += OwnCpuMs();
  m365emu::Stats stats = env.emulator().stats();
  run.accepted = stats.messages_accepted;
  run.connections = stats.smtp_connections;
  run.token_requests = stats.token_requests;
}

// The programs of one build: this one, or the --baseline build.
struct Build {
  std::string suffix;  // added to the row's name: "" or " (baseline)"
  std::string client;
  std::string notify_host;
  std::string plugins_dir;
};

Build ThisBuild(const BenchEnv& env) {
  return {"", env.programs().client, env.programs().notify_host,
          Poco::Path(env.programs().plugin_file).parent().toString()};
}

Build BaselineBuild(const BenchEnv& env) {
  const std::string& dir = env.programs().baseline_dir;
  return {" (baseline)", dir + "/bin/notify-bench-client", dir + "/bin/notify-host", dir + "/lib/"};
}

PeerRun RunPlugin(BenchEnv& env, const Build& build) {
  PeerRun run{"plugin (notify-bench-client)" + build.suffix, "one Deliver of N, batch large"};
  run.messages = env.options().messages;
  Start(env, run);
  Poco::JSON::Object::Ptr out;
  ChildResult r =
      env.RunClient("deliver", {"--messages", std::to_string(run.messages), "--threads", "1"},
                    std::chrono::seconds(60 + run.messages / 10), &out, nullptr, &build.client);
  Accumulate(run, r, env.work_dir() + "/client-deliver.err");
  if (out && !out->getValue<bool>("ok") && run.error.empty() && out->has("first_failure")) {
    run.error = out->getValue<std::string>("first_failure");
  }
  Finish(env, run);
  return run;
}

// The plugin on the Microsoft Graph route: the guide's Mail.Send-only app,
// transport auto, one Deliver of N (at most 4 requests in flight).
PeerRun RunPluginGraph(BenchEnv& env, const Build& build) {
  PeerRun run{"plugin, Graph route (notify-bench-client)" + build.suffix,
              "one Deliver of N, Graph sendMail"};
  run.messages = env.options().messages;
  Start(env, run);
  Poco::JSON::Object::Ptr out;
  notify::Settings settings = env.GraphSettings();
  ChildResult r =
      env.RunClient("deliver", {"--messages", std::to_string(run.messages), "--threads", "1"},
                    std::chrono::seconds(60 + run.messages / 10), &out, &settings, &build.client);
  Accumulate(run, r, env.work_dir() + "/client-deliver.err");
  if (out && !out->getValue<bool>("ok") && run.error.empty() && out->has("first_failure")) {
    run.error = out->getValue<std::string>("first_failure");
  }
  Finish(env, run);
  m365emu::Stats stats = env.emulator().stats();
  run.connections = stats.graph_max_in_flight_per_mailbox;
  run.how += ", at most " + std::to_string(stats.graph_max_in_flight_per_mailbox) +
             " requests in flight (connections column)";
  return run;
}

// A peer script's run (tests/bench/peers: smtplib_bench.py, nodemailer_bench.js):
// `program` with the options every one of them takes, to send `messages`
// copies of the benchmark message over one mailbox's SMTP; its output in
// <work dir>/<name>.out and .err.
ChildSpec PeerScriptSpec(BenchEnv& env, const std::string& name, std::vector<std::string> program,
                         int messages) {
  ChildSpec spec;
  spec.argv = std::move(program);
  spec.argv.insert(
      spec.argv.end(),
      {"--port", std::to_string(env.emulator().smtp_port()), "--ca", env.emulator().ca_file(),
       "--mailbox", m365emu::kDemoMailbox, "--token-file", env.token_file(), "--rcpt",
       BenchRecipient(0), "--file", env.eml_crlf(), "--count", std::to_string(messages)});
  spec.stderr_file = env.work_dir() + "/" + name + ".err";
  spec.stdout_file = env.work_dir() + "/" + name + ".out";
  spec.timeout = std::chrono::seconds(60 + messages / 10);
  return spec;
}

PeerRun RunSmtplib(BenchEnv& env) {
  PeerRun run{"python3 smtplib", "one connection"};
  run.messages = env.options().messages;
  Start(env, run);
  ChildSpec spec = PeerScriptSpec(
      env, "smtplib", {env.programs().python, env.programs().peers_dir + "/smtplib_bench.py"},
      run.messages);
  Accumulate(run, RunChild(spec), spec.stderr_file);
  Finish(env, run);
  return run;
}

// nodemailer's pooled SMTP transport: 3 connections, the plugin's batch size
// per connection, every message handed to the pool at once.
PeerRun RunNodemailer(BenchEnv& env) {
  PeerRun run{"nodemailer (pooled)", "pool: 3 connections, 100 messages each"};
  run.messages = env.options().messages;
  if (access((env.programs().node_modules + "/nodemailer").c_str(), R_OK) != 0) {
    run.skipped = true;
    run.error = "nodemailer not installed in " + env.programs().node_modules +
                " (scripts/bench.sh installs it from npm)";
    return run;
  }
  Start(env, run);
  ChildSpec spec =
      PeerScriptSpec(env, "nodemailer",
                     {"/usr/bin/env", "NODE_PATH=" + env.programs().node_modules,
                      env.programs().node, env.programs().peers_dir + "/nodemailer_bench.js"},
                     run.messages);
  spec.argv.insert(spec.argv.end(), {"--connections", "3", "--per-connection", "100"});
  ChildResult r = RunChild(spec);
  if (!r.started) {
    run.skipped = true;
    run.error = r.error;
    return run;
  }
  Accumulate(run, r, spec.stderr_file);
  Finish(env, run);
  return run;
}

// The user's path: `notify-host send --batch` of the same N messages, from
// a ruleset saved with the benchmark's settings.
PeerRun RunHostBatch(BenchEnv& env, const Build& build) {
  PeerRun run{"notify-host send --batch" + build.suffix, "N lines of JSON, the host's own calls"};
  run.messages = env.options().messages;
  const std::string dir = env.work_dir() + (build.suffix.empty() ? "/host" : "/host-baseline");
  mkdir(dir.c_str(), 0700);
  const std::string properties = dir + "/notify-host.properties";
  WriteFileWithMode(properties,
                    "plugins.directory = " + build.plugins_dir +
                        "\nplugins.enabled = m365_oauth_smtp\nstate.url = sqlite:" + dir +
                        "/state.db\nsecrets.key_file = " + dir +
                        "/host.key\nlogging.loggers.root.level = warning\n",
                    0600);
  ChildSpec save;
  save.argv = {build.notify_host, "--config",  properties,        "ruleset",   "save",
               "bench",           "--channel", "m365_oauth_smtp", "--offline", "--secret-stdin"};
  for (const auto& [key, value] : env.ChannelSettings()) {
    if (key == "client_secret") continue;  // on standard input, never on argv
    save.argv.push_back("--set");
    save.argv.push_back(key + "=" + value);
  }
  const std::string secret_file = dir + "/secret";
  WriteFileWithMode(secret_file, std::string(m365emu::kDemoSecretValue) + "\n", 0600);
  save.stdin_file = secret_file;
  save.stdout_file = dir + "/save.out";
  save.stderr_file = dir + "/save.err";
  save.timeout = std::chrono::seconds(30);
  ChildResult saved = RunChild(save);
  if (!saved.ok()) {
    run.error = "ruleset save: exit " + std::to_string(saved.exit_code) + " " + saved.error + " " +
                ReadWholeFile(save.stderr_file).substr(0, 200) +
                ReadWholeFile(save.stdout_file).substr(0, 200);
    return run;
  }
  const std::string batch = dir + "/batch.jsonl";
  std::string lines;
  for (int i = 0; i < run.messages; ++i) {
    notify::Message m = MakeBenchMessage(i);
    Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
    line.set("id", m.id);
    Poco::JSON::Array::Ptr to = new Poco::JSON::Array;
    for (const auto& address : m.to) to->add(address);
    line.set("to", to);
    line.set("subject", m.subject);
    line.set("body", m.text_body);
    std::ostringstream text;
    line.stringify(text);
    lines += text.str() + "\n";
  }
  WriteFileWithMode(batch, lines, 0600);
  Start(env, run);
  ChildSpec send;
  send.argv = {build.notify_host, "--config", properties, "send",  "--ruleset",
               "bench",           "--batch",  batch,      "--json"};
  send.stdout_file = dir + "/send.out";
  send.stderr_file = dir + "/send.err";
  send.timeout = std::chrono::seconds(60 + run.messages / 10);
  Accumulate(run, RunChild(send), send.stderr_file);
  Finish(env, run);
  return run;
}

// Runs `spec` once per message (msmtp, curl); stops after 3 failures.
PeerRun RunPerMessage(BenchEnv& env, PeerRun run, const ChildSpec& spec) {
  run.messages = env.options().peer_messages;
  Start(env, run);
  int failures = 0;
  for (int i = 0; i < run.messages && failures < 3; ++i) {
    ChildResult r = RunChild(spec);
    if (!r.started) {
      run.skipped = true;
      run.error = r.error;
      return run;
    }
    failures += r.ok() ? 0 : 1;
    Accumulate(run, r, spec.stderr_file);
  }
  Finish(env, run);
  return run;
}

PeerRun RunMsmtp(BenchEnv& env) {
  std::string config = env.work_dir() + "/msmtprc";
  WriteFileWithMode(config,
                    "defaults\ntimeout 20\naccount bench\nhost localhost\nport " +
                        std::to_string(env.emulator().smtp_port()) +
                        "\ntls on\ntls_starttls on\ntls_trust_file " + env.emulator().ca_file() +
                        "\nfrom " + m365emu::kDemoMailbox + "\nauth xoauth2\nuser " +
                        m365emu::kDemoMailbox + "\npasswordeval cat " + env.token_file() + "\n",
                    0600);
  ChildSpec spec;
  spec.argv = {env.programs().msmtp, "-C", config, "-a", "bench", BenchRecipient(0)};
  spec.stdin_file = env.eml_lf();  // msmtp turns LF into CRLF itself
  spec.stderr_file = env.work_dir() + "/msmtp.err";
  spec.timeout = std::chrono::seconds(20);
  return RunPerMessage(env, {"msmtp", "one process per message"}, spec);
}

PeerRun RunCurl(BenchEnv& env) {
  // The token goes in a config file, never on a command line.
  std::string config = env.work_dir() + "/curl-token.conf";
  WriteFileWithMode(config, "oauth2-bearer = \"" + env.token() + "\"\n", 0600);
  ChildSpec spec;
  spec.argv = {env.programs().curl,
               "-sS",
               "--max-time",
               "20",
               "--url",
               "smtp://localhost:" + std::to_string(env.emulator().smtp_port()),
               "--ssl-reqd",
               "--cacert",
               env.emulator().ca_file(),
               "--mail-from",
               m365emu::kDemoMailbox,
               "--mail-rcpt",
               BenchRecipient(0),
               "--user",
               m365emu::kDemoMailbox,
               "--login-options",
               "AUTH=XOAUTH2",
               "-K",
               config,
               "-T",
               env.eml_crlf()};
  spec.stderr_file = env.work_dir() + "/curl.err";
  spec.timeout = std::chrono::seconds(20);
  return RunPerMessage(env, {"curl", "one process per message"}, spec);
}

std::string Mb(long kb) { return Fixed(kb / 1024.0, 1); }

// The run with the median rate of `runs` (not empty); a run that failed
// wins, so that the failure is reported.
PeerRun Median(std::vector<PeerRun> runs) {
  for (const PeerRun& r : runs) {
    if (!r.error.empty() || r.accepted != static_cast<std::uint64_t>(r.messages)) return r;
  }
  std::sort(runs.begin(), runs.end(), [](const PeerRun& a, const PeerRun& b) {
    return a.MsgsPerSecond() < b.MsgsPerSecond();
  });
  PeerRun median = runs[runs.size() / 2];
  if (runs.size() > 1) {
    median.how += " (median of " + std::to_string(runs.size()) + ")";
  }
  return median;
}

}  // namespace

void RunThroughputPart(BenchEnv& env, Report& report) {
  const BenchOptions& o = env.options();
  std::vector<Build> builds = {ThisBuild(env)};
  if (!env.programs().baseline_dir.empty()) builds.push_back(BaselineBuild(env));
  // The clients take turns (and the two builds with them), so a noisy
  // moment hits all of them.
  std::vector<std::vector<PeerRun>> plugin_runs(builds.size()), graph_runs(builds.size()),
      host_runs(builds.size());
  std::vector<PeerRun> smtplib_runs, nodemailer_runs;
  for (int i = 0; i < std::max(1, o.throughput_repeats); ++i) {
    for (std::size_t b = 0; b < builds.size(); ++b) {
      if (o.RunsClient("plugin")) plugin_runs[b].push_back(RunPlugin(env, builds[b]));
    }
    if (o.RunsClient("smtplib")) smtplib_runs.push_back(RunSmtplib(env));
    for (std::size_t b = 0; b < builds.size(); ++b) {
      if (o.RunsClient("graph")) graph_runs[b].push_back(RunPluginGraph(env, builds[b]));
    }
    if (o.RunsClient("nodemailer")) nodemailer_runs.push_back(RunNodemailer(env));
    for (std::size_t b = 0; b < builds.size(); ++b) {
      if (o.RunsClient("host")) host_runs[b].push_back(RunHostBatch(env, builds[b]));
    }
  }
  // The rows in the table's order; the targets read this build's rows.
  std::vector<PeerRun> runs;
  const PeerRun *plugin = nullptr, *py = nullptr, *curl = nullptr, *node = nullptr, *host = nullptr;
  std::vector<std::size_t> plugin_at, py_at, curl_at, node_at, host_at;
  auto add = [&runs](std::vector<std::size_t>& at, PeerRun run) {
    at.push_back(runs.size());
    runs.push_back(std::move(run));
  };
  for (auto& r : plugin_runs) {
    if (!r.empty()) add(plugin_at, Median(r));
  }
  if (!smtplib_runs.empty()) add(py_at, Median(smtplib_runs));
  std::vector<std::size_t> other;
  if (o.RunsClient("msmtp")) add(other, RunMsmtp(env));
  if (o.RunsClient("curl")) add(curl_at, RunCurl(env));
  for (auto& r : graph_runs) {
    if (!r.empty()) add(other, Median(r));
  }
  if (!nodemailer_runs.empty()) add(node_at, Median(nodemailer_runs));
  for (auto& r : host_runs) {
    if (!r.empty()) add(host_at, Median(r));
  }
  if (!plugin_at.empty()) plugin = &runs[plugin_at[0]];
  if (!py_at.empty()) py = &runs[py_at[0]];
  if (!curl_at.empty()) curl = &runs[curl_at[0]];
  if (!node_at.empty()) node = &runs[node_at[0]];
  if (!host_at.empty()) host = &runs[host_at[0]];
  Table table{"1. Throughput, unthrottled (1 KB text, STARTTLS + XOAUTH2, same emulator)",
              {"client", "how", "messages", "msgs/s", "client CPU ms/msg", "peak RSS MB",
               "connections", "token requests", "emulator CPU ms/msg"}};
  Poco::JSON::Array::Ptr json = new Poco::JSON::Array;
  for (const PeerRun& run : runs) {
    if (run.skipped) {
      table.rows.push_back({run.name, "not run: " + run.error, "", "", "", "", "", "", ""});
    } else {
      table.rows.push_back(
          {run.name, run.how, std::to_string(run.accepted), Fixed(run.MsgsPerSecond(), 1),
           Fixed(run.CpuPerMessage(), 3), Mb(run.max_rss_kb), std::to_string(run.connections),
           std::to_string(run.token_requests), Fixed(run.ServerCpuPerMessage(), 3)});
    }
    if (!run.skipped &&
        (run.accepted != static_cast<std::uint64_t>(run.messages) || !run.error.empty())) {
      report.Fail(run.name + ": " + std::to_string(run.accepted) + " of " +
                  std::to_string(run.messages) + " delivered; " + run.error);
    }
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("client", run.name);
    o->set("skipped", run.skipped);
    o->set("messages", run.messages);
    o->set("delivered", run.accepted);
    o->set("wall_ms", run.wall_ms);
    o->set("msgs_per_s", run.MsgsPerSecond());
    o->set("cpu_ms_per_msg", run.CpuPerMessage());
    o->set("peak_rss_kb", run.max_rss_kb);
    o->set("connections", run.connections);
    o->set("token_requests", run.token_requests);
    o->set("emulator_cpu_ms_per_msg", run.ServerCpuPerMessage());
    json->add(o);
  }
  table.notes.push_back(
      "Wall time and CPU are of the whole client process(es) (start-up included), measured by "
      "wait4; CPU is user + system of the client only (the emulator runs in notify-bench). "
      "The plugin opens up to 3 connections at once (Exchange's per-mailbox limit), 100 "
      "messages each; smtplib sends everything over one; msmtp and curl log in once per "
      "message. The Graph route row sends the same messages as Microsoft Graph sendMail "
      "requests (MIME, base64) with at most 4 in flight per mailbox over keep-alive HTTPS; its "
      "connections column is the most requests the emulator saw in flight at once, its token "
      "requests include the route decision's Exchange token. nodemailer's pool keeps 3 "
      "connections of up to 100 messages, every message handed to it at once; notify-host "
      "sends the same N messages from a JSON-lines file through a saved ruleset (process "
      "start, plugin load and result output included). Peak RSS of msmtp/curl is the largest "
      "single invocation. Emulator CPU is "
      "notify-bench's own (the emulator's threads, plus spawning the per-message peers).");
  report.AddTable(table);
  report.json().set("throughput", json);

  if (plugin == nullptr || plugin->MsgsPerSecond() <= 0) return;
  if (node && !node->skipped && node->MsgsPerSecond() > 0) {
    double ratio = plugin->MsgsPerSecond() / node->MsgsPerSecond();
    report.AddTarget(
        {"plugin msgs/s >= 2x nodemailer (pooled)", Fixed(ratio, 2) + "x", ratio >= 2.0});
    double cpu = plugin->CpuPerMessage() / std::max(node->CpuPerMessage(), 1e-9);
    report.AddTarget({"plugin client CPU/msg <= 1/2 of nodemailer (pooled)",
                      Fixed(cpu, 2) + " of nodemailer", cpu <= 0.5});
  }
  if (host) {
    double share = host->MsgsPerSecond() / plugin->MsgsPerSecond();
    report.AddTarget({"notify-host send --batch msgs/s >= 90% of the plugin's",
                      Fixed(share * 100, 0) + " %", share >= 0.9});
  }
  if (py && !py->skipped && py->MsgsPerSecond() > 0) {
    double ratio = plugin->MsgsPerSecond() / py->MsgsPerSecond();
    report.AddTarget({"plugin msgs/s >= 2x smtplib", Fixed(ratio, 2) + "x", ratio >= 2.0});
    double cpu = plugin->CpuPerMessage() / std::max(py->CpuPerMessage(), 1e-9);
    report.AddTarget({"plugin client CPU/msg <= 1/3 of smtplib", Fixed(cpu, 2) + " of smtplib",
                      cpu <= 1.0 / 3.0});
  }
  if (curl && !curl->skipped && curl->MsgsPerSecond() > 0) {
    double ratio = plugin->MsgsPerSecond() / curl->MsgsPerSecond();
    report.AddTarget(
        {"plugin msgs/s >= 20x curl per message", Fixed(ratio, 1) + "x", ratio >= 20.0});
  }
}

}  // namespace notify_bench
