// m365-emulator --config FILE --state-dir DIR
// Prints one JSON line when ready, keeps <state-dir>/stats.json current (also
// served at GET /_emulator/stats on the token port), stops on SIGTERM/SIGINT.
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "m365emu/emulator.hpp"
#include "util.hpp"

namespace {

int Usage() {
  std::cerr << "usage: m365-emulator --config FILE --state-dir DIR\n"
               "  FILE: emulator config JSON (see tests/emulator/README.md); may hold \"faults\"\n"
               "  DIR:  created if missing; receives tls/, spool/ and stats.json\n";
  return 2;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, state_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--state-dir" && i + 1 < argc) {
      state_dir = argv[++i];
    } else {
      return Usage();
    }
  }
  if (config_path.empty() || state_dir.empty()) return Usage();

  // Block the stop signals before any thread starts, then wait for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    m365emu::Config config = m365emu::Config::FromJsonFile(config_path);
    std::ifstream in(config_path);
    std::stringstream text;
    text << in.rdbuf();
    m365emu::Faults faults = m365emu::Faults::FromJson(text.str());

    m365emu::Emulator emulator(config, state_dir);
    emulator.SetFaults(faults);
    const std::string stats_file = state_dir + "/stats.json";
    m365emu::detail::WriteFileAtomic(stats_file, emulator.stats().ToJson() + "\n");
    std::cout << "{\"authority\":" << Quote(emulator.authority())
              << ",\"token_url_template\":" << Quote(emulator.token_url("{tenant}"))
              << ",\"smtp_host\":\"localhost\",\"smtp_port\":" << emulator.smtp_port()
              << ",\"graph_url\":" << Quote(emulator.graph_url())
              << ",\"ca_file\":" << Quote(emulator.ca_file())
              << ",\"spool_dir\":" << Quote(emulator.spool_dir())
              << ",\"stats_file\":" << Quote(stats_file)
              << ",\"stats_url\":" << Quote(emulator.authority() + "/_emulator/stats") << "}"
              << std::endl;

    for (;;) {
      timespec wait{0, 500 * 1000 * 1000};
      int sig = sigtimedwait(&stop_signals, nullptr, &wait);
      m365emu::detail::WriteFileAtomic(stats_file, emulator.stats().ToJson() + "\n");
      if (sig == SIGTERM || sig == SIGINT) break;
    }
    emulator.Stop();
    m365emu::detail::WriteFileAtomic(stats_file, emulator.stats().ToJson() + "\n");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "m365-emulator: " << e.what() << "\n";
    return 1;
  }
}
