// Part 5: `notify-host plugins` start-up with and without the plugin, and
// the size of m365_oauth_smtp.so.
#include <Poco/Path.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "parts.hpp"

namespace notify_bench {
namespace {

long FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

// Start-up figures of one host configuration.
struct HostRuns {
  std::vector<double> wall_ms;
  std::vector<double> rss_kb;
  std::string error;
};

std::string WriteProperties(BenchEnv& env, const std::string& name, const std::string& enabled) {
  std::string path = env.work_dir() + "/" + name + ".properties";
  WriteFileWithMode(
      path,
      "plugins.directory = " + Poco::Path(env.programs().plugin_file).parent().toString() +
          "\nplugins.enabled = " + enabled + "\nstate.url = sqlite:" + env.work_dir() +
          "/state.db\nlogging.loggers.root.level = warning\n",
      0600);
  return path;
}

}  // namespace

void RunFootprintPart(BenchEnv& env, Report& report) {
  std::string with = WriteProperties(env, "with-plugin", "m365_oauth_smtp");
  std::string without = WriteProperties(env, "without-plugin", "");
  HostRuns runs[2];
  // Alternating, so that a noisy moment hits both alike.
  for (int i = 0; i < env.options().footprint_runs; ++i) {
    for (int k = 0; k < 2; ++k) {
      ChildSpec spec;
      spec.argv = {env.programs().notify_host, "--config", k == 0 ? with : without, "plugins"};
      spec.stdout_file = env.work_dir() + "/host.out";
      spec.stderr_file = env.work_dir() + "/host.err";
      spec.timeout = std::chrono::seconds(20);
      ChildResult r = RunChild(spec);
      bool listed = ReadWholeFile(spec.stdout_file).find("m365_oauth_smtp") != std::string::npos;
      if (!r.ok() || listed != (k == 0)) {
        runs[k].error = "exit " + std::to_string(r.exit_code) + " " + r.error + " " +
                        ReadWholeFile(spec.stderr_file).substr(0, 200);
      }
      runs[k].wall_ms.push_back(r.wall_ms);
      runs[k].rss_kb.push_back(static_cast<double>(r.max_rss_kb));
    }
  }
  Table table{
      "5. Footprint: `notify-host plugins`",
      {"host", "runs", "start-up ms (median)", "start-up ms (max)", "peak RSS MB (median)"}};
  const char* names[2] = {"with m365_oauth_smtp enabled", "no plugin enabled"};
  Poco::JSON::Object::Ptr json = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (int k = 0; k < 2; ++k) {
    table.rows.push_back(
        {names[k], std::to_string(runs[k].wall_ms.size()), Fixed(Quantile(runs[k].wall_ms, 0.5), 1),
         Fixed(Quantile(runs[k].wall_ms, 1.0), 1), Fixed(Quantile(runs[k].rss_kb, 0.5) / 1024, 1)});
    Poco::JSON::Object::Ptr one = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    one->set("startup_ms_median", Quantile(runs[k].wall_ms, 0.5));
    one->set("peak_rss_kb_median", Quantile(runs[k].rss_kb, 0.5));
    json->set(k == 0 ? "with_plugin" : "without_plugin", one);
    if (!runs[k].error.empty())
      report.Fail(std::string("notify-host plugins, ") + names[k] + ": " + runs[k].error);
  }
  long size = FileSize(env.programs().plugin_file);
  std::string stripped_path = env.work_dir() + "/stripped.so";
  ChildResult strip = RunChild({{"strip", "-o", stripped_path, env.programs().plugin_file}});
  long stripped = strip.ok() ? FileSize(stripped_path) : -1;
  table.notes.push_back(
      "m365_oauth_smtp.so: " + Fixed(size / 1024.0, 0) + " KB as built (with debug info), " +
      (stripped > 0 ? Fixed(stripped / 1024.0, 0) + " KB stripped" : "strip not available") +
      "; Poco, OpenSSL and the C++ runtime are shared libraries, not counted.");
  report.AddTable(table);
  json->set("plugin_so_bytes", size);
  json->set("plugin_so_stripped_bytes", stripped);
  report.json().set("footprint", json);
}

}  // namespace notify_bench
