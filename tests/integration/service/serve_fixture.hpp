#pragma once
// The real `notify-host serve` against the in-process Microsoft 365
// emulator, as an administrator runs it: a host directory with the plugin
// copied in, a ruleset saved with the CLI, an API key made with the CLI,
// the service started with http.port = 0 (its ready line says the port),
// notifications posted over HTTP.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "host_dir.hpp"
#include "host_process.hpp"
#include "m365emu/emulator.hpp"
#include "notify/test_support/command_run.hpp"
#include "notify/test_support/wait_until.hpp"

namespace serve_test {

namespace fs = std::filesystem;

struct HttpReply {
  int status = 0;
  std::string body;
};

inline HttpReply Http(int port, const std::string& method, const std::string& path,
                      const std::string& key, const std::string& body = "",
                      const std::string& idempotency_key = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(60, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!key.empty()) request.set("Authorization", "Bearer " + key);
  if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
  if (method == "POST" || method == "PUT") {
    request.setContentType("application/json");
    request.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpReply r;
  r.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, r.body);
  return r;
}

inline Poco::JSON::Object::Ptr Json(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

// The Message-ID header of a raw message.
inline std::string MessageIdOf(const std::string& raw) {
  std::smatch m;
  static const std::regex kId("\r\nMessage-ID: (<[^>]+>)\r\n", std::regex::icase);
  return std::regex_search(raw, m, kId) ? m[1].str() : "";
}

class ServeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<host_test::HostDir>("serve");
    m365emu::Config config = m365emu::DemoConfig();
    config.limits.messages_per_minute = 1000000;  // not the subject here
    // Nor is Exchange's daily quota: the long crash proof sends 10,000 and
    // more from one mailbox (5 runs of 2,000, and the repeats).
    config.limits.recipients_per_day = 1000000;
    emulator_ = std::make_unique<m365emu::Emulator>(config, (dir_->path / "emu").string());
    dir_->AddPlugin(M365_PLUGIN_FILE, "m365_oauth_smtp.so");
  }
  void TearDown() override {
    StopService(SIGKILL);
    emulator_.reset();
    dir_.reset();
  }

  // Settings file for serve, then the ruleset `name` saved online and an API key.
  void Prepare(const std::string& more_settings = "", const std::string& name = "ops") {
    dir_->WriteSettings("m365_oauth_smtp",
                        "http.port = 0\ndelivery.poll_interval_ms = 50\n" + more_settings);
    SaveRuleset(name);
    auto key = dir_->Host({"api-key", "create", "tests"});
    ASSERT_EQ(key.rc, 0) << key.err;
    key_ = key.out.substr(0, key.out.find('\n'));
  }
  void SaveRuleset(const std::string& name, const std::string& extra = "") {
    std::vector<std::string> args = {"ruleset", "save", name, "--channel", "m365_oauth_smtp"};
    for (const auto& kv : RulesetSettings()) args.insert(args.end(), {"--set", kv});
    if (!extra.empty()) args.insert(args.end(), {"--set", extra});
    auto saved = dir_->Host(args);
    ASSERT_EQ(saved.rc, 0) << saved.out << saved.err;
  }
  std::vector<std::string> RulesetSettings() const {
    return {"server_name=serve test",
            "port=" + std::to_string(emulator_->smtp_port()),
            "timeout=10",
            "batch_size=small",
            std::string("from_email=") + m365emu::kDemoMailbox,
            std::string("client_id=") + m365emu::kDemoClientId,
            std::string("client_secret=") + m365emu::kDemoSecretValue,
            std::string("tenant_id=") + m365emu::kDemoTenantId,
            "smtp_host=localhost",
            "authority_url=" + emulator_->authority(),
            "ca_file=" + emulator_->ca_file()};
  }

  // Starts serve; returns its port once its ready line is read (0 on failure).
  int StartService() {
    int out[2];
    if (::pipe(out) != 0) return 0;
    int log = ::open((dir_->path / "serve.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int devnull = ::open("/dev/null", O_RDONLY);
    pid_ = host_test::Spawn(NOTIFY_HOST_BIN, dir_->Args({"serve"}), devnull, out[1], log);
    ::close(out[1]);
    ::close(log);
    ::close(devnull);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(R"(:(\d+)\",\"pid\")"))) return 0;
    port_ = std::stoi(m[1].str());
    return port_;
  }
  // Sends `signal`; returns the exit code (128 + signal when it ended by it).
  int StopService(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int rc = host_test::WaitFor(pid_, std::chrono::seconds(60));
    pid_ = -1;
    return rc;
  }
  std::string Log() const { return notify::test_support::ReadWholeFile(dir_->path / "serve.log"); }

  // Posts `count` notifications in arrays of up to 100; returns their ids.
  std::vector<std::string> Post(int count, const std::string& ruleset = "ops") {
    std::vector<std::string> ids;
    for (int start = 0; start < count; start += 100) {
      std::string body = "[";
      for (int i = start; i < std::min(count, start + 100); ++i) {
        if (i > start) body += ",";
        body += R"({"ruleset":")" + ruleset + R"(","to":["alice@contoso.com"],"subject":"n)" +
                std::to_string(i) + R"(","body":"text"})";
      }
      body += "]";
      auto r = Http(port_, "POST", "/api/v1/notifications", key_, body);
      EXPECT_EQ(r.status, 202) << r.body;
      if (r.status != 202) return ids;
      auto list = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Array::Ptr>();
      for (std::size_t i = 0; i < list->size(); ++i)
        ids.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    }
    return ids;
  }
  std::string StatusOf(const std::string& id) {
    auto r = Http(port_, "GET", "/api/v1/notifications/" + id, key_);
    if (r.status != 200) return "http " + std::to_string(r.status);
    return Json(r.body)->getValue<std::string>("status");
  }

  std::unique_ptr<host_test::HostDir> dir_;
  std::unique_ptr<m365emu::Emulator> emulator_;
  std::string key_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace serve_test
