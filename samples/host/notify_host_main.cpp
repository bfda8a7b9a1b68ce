// notify-host: the reference host. Reads its properties file, loads the
// enabled plugins at start-up, then runs one command.
//
// A plain main, not Poco::Util::Application. The commands take their own
// options after the command word (`ruleset save NAME --set K=V ...`), and
// Application's option processing would take those for the application's
// own and refuse every one it does not know. So main processes only the
// host's global options, those before the command word, with Poco::Util's
// OptionSet and OptionProcessor: --config FILE (or --config=FILE) and --help
// (-h). The command line after the command word goes to RunCommand as it is.
// What Application would otherwise do is done here with the parts it is made
// of: PropertyFileConfiguration reads the settings file (default:
// notify-host.properties beside the executable, else
// /etc/notify-host/notify-host.properties), LoggingConfigurator applies
// its logging.* properties, and the settings keep Application's system.* and
// application.* properties for ${...} references.
//
// Before anything else, main turns core dumps and same-user tracing off
// (process_hardening.hpp; `debug.allow_core_dumps = true` turns them back on)
// and ignores SIGPIPE, so that results written to a closed pipe fail the
// command with exit 1 instead of ending it silently.
#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Path.h>
#include <Poco/StringTokenizer.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/LoggingConfigurator.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <Poco/Util/SystemConfiguration.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "host_commands.hpp"
#include "poco_host_context.hpp"
#include "process_hardening.hpp"
#include "terminal_text.hpp"

namespace {

using notify_host::HostEnv;
using Poco::Util::AbstractConfiguration;
using Poco::Util::LayeredConfiguration;

std::shared_ptr<notify::HostContext> MakeContext(const std::string& plugin_id) {
  return std::make_shared<notify_host::PocoHostContext>(plugin_id);
}

constexpr std::uintmax_t kMaxSettingsBytes = 1024 * 1024;

struct GlobalOptions {
  std::string config_file;           // "" when not given
  bool help = false;                 // --help or -h
  std::vector<std::string> command;  // the command word and everything after it
};

// Processes the options before the command word. Throws
// Poco::Util::OptionException for an unknown or repeated option, or a
// --config without a file (--config= and --config "" included: never a
// silent fall-back to the default file).
GlobalOptions ParseGlobalOptions(int argc, char** argv) {
  Poco::Util::OptionSet options;
  options.addOption(Poco::Util::Option("config", "", "the host's settings file")
                        .argument("FILE")
                        .repeatable(false));
  options.addOption(Poco::Util::Option("help", "h", "print the usage"));
  Poco::Util::OptionProcessor processor(options);
  processor.setUnixStyle(true);
  GlobalOptions global;
  int i = 1;
  for (; i < argc; ++i) {
    std::string name;
    std::string value;
    if (!processor.process(argv[i], name, value)) break;  // the command word
    if (name == "config") {
      if (value.empty()) throw Poco::Util::MissingArgumentException("--config needs a file name");
      global.config_file = value;
    }
    if (name == "help") global.help = true;
  }
  processor.checkRequired();  // a --config still waiting for its file
  global.command.assign(argv + i, argv + argc);
  return global;
}

// The running executable. /proc/self/exe rather than argv[0], which is only
// what the caller chose to pass (a name looked up on PATH, a symlink, ...).
Poco::Path Executable(const char* argv0) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? Poco::Path(argv0).absolute() : Poco::Path(self.string());
}

// The text of the settings file. Read here rather than by
// PropertyFileConfiguration, which reads a directory for ever and a FIFO
// until someone writes to it. Throws Poco::Exception saying why the file
// cannot be read.
std::string ReadSettingsFile(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Poco::FileException(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Poco::FileException("not a regular file");
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxSettingsBytes)
    throw Poco::FileException("larger than 1 MiB");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Poco::FileException(std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Poco::FileException(std::strerror(errno));
  return text.str();
}

// Without --config: notify-host.properties beside the executable (a build
// tree), else the installed one in /etc/notify-host (docs/installation.md).
std::string DefaultSettingsFile(const Poco::Path& exe) {
  std::string beside = Poco::Path(exe.parent(), "notify-host.properties").toString();
  const std::string installed = "/etc/notify-host/notify-host.properties";
  if (!Poco::File(beside).exists() && Poco::File(installed).exists()) return installed;
  return beside;
}

// The settings file's properties, below the system.* and application.*
// properties Poco::Util::Application would offer. Throws Poco::Exception
// when the file cannot be read.
Poco::AutoPtr<LayeredConfiguration> LoadSettings(const std::string& file, const Poco::Path& exe) {
  Poco::AutoPtr<LayeredConfiguration> config = new LayeredConfiguration;
  std::istringstream text(ReadSettingsFile(file));
  config->add(new Poco::Util::PropertyFileConfiguration(text), 0, false);
  config->add(new Poco::Util::SystemConfiguration, 100, false);
  Poco::AutoPtr<Poco::Util::MapConfiguration> application = new Poco::Util::MapConfiguration;
  application->setString("application.path", exe.toString());
  application->setString("application.name", exe.getFileName());
  application->setString("application.baseName", exe.getBaseName());
  application->setString("application.dir", exe.parent().toString());
  application->setString("application.configDir", Poco::Path(file).absolute().parent().toString());
  config->add(application, -100, false);
  return config;
}

// Log lines go to the console unless the logging.* properties say otherwise
// (Application's default). Throws Poco::Exception for a bad logging.* setting.
void ConfigureLogging(const Poco::AutoPtr<LayeredConfiguration>& config) {
  Poco::Logger::root().setChannel(new Poco::ConsoleChannel);
  Poco::Util::LoggingConfigurator().configure(config);
}

int Run(const AbstractConfiguration& config, const std::string& config_file,
        const std::vector<std::string>& command) {
  // A host runs unattended: should any TLS user fall back to Poco's
  // process-wide handler, a doubtful certificate is refused, never offered
  // to whoever is at the console.
  Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
      new Poco::Net::RejectCertificateHandler(false);
  Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
  // Relative paths in the settings file are relative to the file itself.
  Poco::Path base = Poco::Path(config_file).absolute().parent();
  auto resolve = [&](const std::string& key, const std::string& fallback) {
    return Poco::Path(base).resolve(config.getString(key, fallback)).toString();
  };
  Poco::StringTokenizer enabled(
      config.getString("plugins.enabled", ""), ",",
      Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  std::vector<std::string> stems(enabled.begin(), enabled.end());

  HostEnv env;
  env.plugins = notify_host::LoadPlugins(resolve("plugins.directory", "."), stems, MakeContext);
  env.state_options.url = config.getString("state.url", "sqlite:state.db");
  env.state_options.base_dir = base.toString();
  env.state_options.key_file = config.getString("secrets.key_file", "");
  env.settings = &config;
  auto& log = Poco::Logger::get("notify.host");
  for (const auto& c : env.plugins.channels)
    log.debug("loaded plugin " + c.id + " " + c.version + " from " + c.file);
  for (const auto& r : env.plugins.refused)
    log.warning("plugin refused: " + notify_host::ForTerminal(r.file) + ": " +
                notify_host::ForTerminal(r.reason));
  return notify_host::RunCommand(command, env, std::cout, std::cerr);
}

// Flushes standard output; false, after saying so on stderr, when the
// results could not be written (a full disk, a closed pipe, ...).
bool ResultsWritten() {
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0) return true;
  std::cerr << "notify-host: cannot write the results to standard output: "
            << std::strerror(errno ? errno : EIO) << "\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  notify_host::CoreDumpState core_dumps = notify_host::DisableCoreDumps();
  ::signal(SIGPIPE, SIG_IGN);
  GlobalOptions global;
  try {
    global = ParseGlobalOptions(argc, argv);
  } catch (const Poco::Util::OptionException& e) {
    std::cerr << "notify-host: " << e.displayText() << "\n" << notify_host::UsageText();
    return notify_host::kExitUsage;
  }
  if (global.help) {
    std::cout << notify_host::UsageText();
    return notify_host::kExitOk;
  }
  if (global.command.empty()) {
    std::cerr << notify_host::UsageText();
    return notify_host::kExitUsage;
  }
  Poco::Path exe = Executable(argv[0]);
  std::string config_file =
      global.config_file.empty() ? DefaultSettingsFile(exe) : global.config_file;
  Poco::AutoPtr<LayeredConfiguration> config;
  try {
    config = LoadSettings(config_file, exe);
    ConfigureLogging(config);
    if (config->getBool("debug.allow_core_dumps", false)) notify_host::AllowCoreDumps(core_dumps);
  } catch (const Poco::Exception& e) {
    std::cerr << "notify-host: cannot start with settings file "
              << notify_host::ForTerminal(config_file) << ": "
              << notify_host::ForTerminal(e.displayText())
              << " (create or fix it, or pass --config FILE)\n";
    return notify_host::kExitUsage;
  }
  int rc = notify_host::kExitError;
  try {
    rc = Run(*config, config_file, global.command);
  } catch (const Poco::Exception& e) {
    std::cerr << "notify-host: " << notify_host::ForTerminal(e.displayText()) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "notify-host: " << notify_host::ForTerminal(e.what()) << "\n";
  }
  return ResultsWritten() ? rc : notify_host::kExitError;
}
