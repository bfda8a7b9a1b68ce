// notify-host: the reference host. Reads its properties file, loads the
// enabled plugins at start-up, then runs one command (design.md section 5).
#include <Poco/Logger.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Util/Application.h>

#include <filesystem>
#include <iostream>

#include "host_commands.hpp"
#include "poco_host_context.hpp"

namespace {

using notify_host::HostEnv;

std::shared_ptr<notify::HostContext> MakeContext(const std::string& plugin_id) {
  return std::make_shared<notify_host::PocoHostContext>(plugin_id);
}

class NotifyHostApp : public Poco::Util::Application {
 public:
  NotifyHostApp(std::string config_file, std::vector<std::string> command)
      : config_file_(std::move(config_file)), command_(std::move(command)) {}

 protected:
  void initialize(Application& self) override {
    // Loaded before the subsystems start so that logging.* properties apply.
    loadConfiguration(config_file_);
    Application::initialize(self);
  }

  int main(const ArgVec&) override {
    // A host runs unattended: should any TLS user fall back to Poco's
    // process-wide handler, a doubtful certificate is refused, never offered
    // to whoever is at the console.
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
    // Relative paths in the settings file are relative to the file itself.
    Poco::Path base = Poco::Path(config_file_).absolute().parent();
    auto resolve = [&](const std::string& key, const std::string& fallback) {
      return Poco::Path(base).resolve(config().getString(key, fallback)).toString();
    };
    std::vector<std::string> stems;
    Poco::StringTokenizer enabled(
        config().getString("plugins.enabled", ""), ",",
        Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    stems.assign(enabled.begin(), enabled.end());

    HostEnv env;
    env.plugins = notify_host::LoadPlugins(resolve("plugins.directory", "."), stems, MakeContext);
    env.rulesets_file = resolve("rulesets.file", "rulesets.json");
    auto& log = Poco::Logger::get("notify.host");
    for (const auto& c : env.plugins.channels)
      log.debug("loaded plugin " + c.id + " " + c.version + " from " + c.file);
    for (const auto& r : env.plugins.refused)
      log.warning("plugin refused: " + r.file + ": " + r.reason);
    return notify_host::RunCommand(command_, env, std::cout, std::cerr);
  }

 private:
  std::string config_file_;
  std::vector<std::string> command_;
};

}  // namespace

int main(int argc, char** argv) {
  // --config is the host's own option; everything else belongs to the command.
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string config_file = (self.parent_path() / "notify-host.properties").string();
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_file = arg.substr(9);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << notify_host::UsageText();
      return 0;
    } else {
      command.push_back(arg);
    }
  }
  if (command.empty()) {
    std::cerr << notify_host::UsageText();
    return notify_host::kExitUsage;
  }
  try {
    NotifyHostApp app(config_file, command);
    char* program[] = {argv[0]};
    app.init(1, program);
    return app.run();
  } catch (const Poco::Exception& e) {
    std::cerr << "notify-host: cannot start with settings file " << config_file << ": "
              << e.displayText() << "\n(pass --config FILE)\n";
    return notify_host::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "notify-host: " << e.what() << "\n";
    return notify_host::kExitError;
  }
}
