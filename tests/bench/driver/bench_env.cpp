#include "bench_env.hpp"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <stdlib.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "bench_message.hpp"
#include "mime/mime_builder.hpp"
#include "net/tls_context.hpp"
#include "settings/m365_config.hpp"
#include "token/token_client.hpp"

namespace notify_bench {

BenchOptions BenchOptions::Defaults(bool quick) {
  BenchOptions o;
  if (!quick) return o;
  o.quick = true;
  o.messages = 100;
  o.peer_messages = 100;
  o.throughput_repeats = 1;
  o.rate_messages = 100;
  o.token_messages = 1000;
  o.short_lifetime_s = 2;
  o.latency_samples = 20;
  o.save_samples = 5;
  o.footprint_runs = 5;
  o.micro_min_time_s = 0.01;
  o.mailboxes = 50;
  o.mailbox_seconds = 5;
  o.mailbox_window_ms = 1000;
  return o;
}

BenchEnv::BenchEnv(BenchOptions options, Programs programs)
    : options_(std::move(options)), programs_(std::move(programs)) {
  // On tmpfs when there is one: the emulator spools every message, and the
  // disk's directory locks are not what is measured.
  std::string pattern =
      access("/dev/shm", W_OK) == 0 ? "/dev/shm/notify-bench.XXXXXX" : "/tmp/notify-bench.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a work dir");
  work_dir_ = pattern;
  UseLauncher(programs_.launcher, work_dir_ + "/launch-result");
  emulator_ = std::make_unique<m365emu::Emulator>(m365emu::DemoConfig(), work_dir_ + "/emulator");
  Configure();

  // One token for every peer, from the emulator's token endpoint.
  notify::Settings settings = ChannelSettings();
  m365::M365Config config = m365::ResolveConfig(settings);
  auto tls = m365::MakeClientTlsContext(config.ca_file);
  if (!tls.ok()) throw std::runtime_error("TLS context: " + tls.status().message());
  m365::TokenResponse r = m365::TokenClient(tls.value(), std::chrono::seconds(10))
                              .Request({config.authority_url, config.tenant_id, config.client_id,
                                        config.client_secret, config.scope});
  if (!r.ok) throw std::runtime_error("token for the peers: " + r.error + r.transport_error);
  token_ = r.access_token;
  token_file_ = work_dir_ + "/token";
  WriteFileWithMode(token_file_, token_, 0600);

  auto mime = m365::MimeBuilder(config.from_email, config.from_name).Build(MakeBenchMessage(0));
  if (!mime.ok()) throw std::runtime_error("MIME: " + mime.status().message());
  eml_crlf_ = work_dir_ + "/message-crlf.eml";
  WriteFileWithMode(eml_crlf_, mime.value().data, 0600);
  std::string lf;
  for (char c : mime.value().data) {
    if (c != '\r') lf.push_back(c);
  }
  eml_lf_ = work_dir_ + "/message-lf.eml";
  WriteFileWithMode(eml_lf_, lf, 0600);
}

BenchEnv::~BenchEnv() {
  emulator_.reset();
  try {
    Poco::File(work_dir_).remove(true);
  } catch (...) {
  }
}

void BenchEnv::Configure(const std::function<void(m365emu::Config&)>& tweak) {
  m365emu::Config config = m365emu::DemoConfig();
  config.limits.messages_per_minute = 1000000000;  // unthrottled
  config.limits.recipients_per_day = 1000000000;   // a run sends more than 10,000
  config.limits.connections_per_mailbox = 3;
  config.token_lifetime_seconds = 3599;
  if (tweak) tweak(config);
  emulator_->SetConfig(config);
  emulator_->ResetCounters();
}

notify::Settings BenchEnv::ChannelSettings() const {
  return {{"server_name", "bench"},
          {"port", std::to_string(emulator_->smtp_port())},
          {"timeout", "30"},
          {"batch_size", "large"},
          {"from_email", m365emu::kDemoMailbox},
          {"from_name", "Notify Bench"},
          {"client_id", m365emu::kDemoClientId},
          {"client_secret", m365emu::kDemoSecretValue},
          {"tenant_id", m365emu::kDemoTenantId},
          {"smtp_host", emulator_->smtp_host()},
          {"authority_url", emulator_->authority()},
          {"ca_file", emulator_->ca_file()}};
}

notify::Settings BenchEnv::GraphSettings() const {
  notify::Settings s = ChannelSettings();
  s["client_id"] = m365emu::kDemoGraphClientId;
  s["client_secret"] = m365emu::kDemoGraphSecretValue;
  s["graph_url"] = emulator_->graph_url();
  return s;
}

std::string BenchEnv::WriteSettings(const std::string& name,
                                    const notify::Settings& settings) const {
  Poco::JSON::Object object;
  for (const auto& [key, value] : settings) object.set(key, value);
  std::ostringstream text;
  object.stringify(text);
  std::string path = work_dir_ + "/" + name + ".json";
  WriteFileWithMode(path, text.str(), 0600);
  return path;
}

ChildResult BenchEnv::RunClient(const std::string& mode, const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout, Poco::JSON::Object::Ptr* output,
                                const notify::Settings* settings, const std::string* client) const {
  ChildSpec spec;
  spec.argv = {client ? *client : programs_.client, mode, "--settings",
               WriteSettings("settings", settings ? *settings : ChannelSettings())};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.stdout_file = work_dir_ + "/client-" + mode + ".out";
  spec.stderr_file = work_dir_ + "/client-" + mode + ".err";
  spec.timeout = timeout;
  ChildResult result = RunChild(spec);
  if (output != nullptr) {
    *output = nullptr;
    try {
      *output = Poco::JSON::Parser()
                    .parse(ReadWholeFile(spec.stdout_file))
                    .extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
      result.error += " no JSON result; stderr: " + ReadWholeFile(spec.stderr_file).substr(0, 300);
    }
  }
  return result;
}

std::uint64_t Count4xx(const m365emu::Stats& stats) {
  std::uint64_t n = 0;
  for (const auto& [reply, count] : stats.smtp_reply_counts) {
    if (!reply.empty() && reply[0] == '4') n += count;
  }
  return n;
}

}  // namespace notify_bench
