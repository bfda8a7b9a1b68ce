#include "command_line.hpp"

namespace notify_host {

std::string CommandLine::Option(const std::string& name) const {
  auto range = options.equal_range(name);
  std::string value;
  for (auto it = range.first; it != range.second; ++it) value = it->second;
  return value;
}

std::vector<std::string> CommandLine::All(const std::string& name) const {
  std::vector<std::string> values;
  auto range = options.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) values.push_back(it->second);
  return values;
}

notify::sdk::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                    const std::set<std::string>& flag_names,
                                                    const std::set<std::string>& option_names) {
  CommandLine cl;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      cl.words.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::string value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (flag_names.count(name)) {
      if (inline_value) return notify::sdk::Status::Error(name + " takes no value");
      cl.flags.insert(name);
    } else if (option_names.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) return notify::sdk::Status::Error(name + " needs a value");
        value = args[++i];
      }
      cl.options.emplace(name, value);
    } else {
      return notify::sdk::Status::Error("unknown option " + name);
    }
  }
  return cl;
}

}  // namespace notify_host
