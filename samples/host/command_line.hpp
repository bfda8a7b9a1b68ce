#pragma once
// The words and options of one notify-host command.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "notify/sdk/status.hpp"

namespace notify_host {

struct CommandLine {
  std::vector<std::string> words;                   // positional, in order
  std::multimap<std::string, std::string> options;  // "--set" -> "k=v", repeatable
  std::set<std::string> flags;                      // "--json", "--offline"

  bool Flag(const std::string& name) const { return flags.count(name) > 0; }
  // The last value given for `name`, or "".
  std::string Option(const std::string& name) const;
  std::vector<std::string> All(const std::string& name) const;
  bool Has(const std::string& name) const { return options.count(name) > 0; }
};

// Parses `args`: `flag_names` take no value, `option_names` take one (as the
// next word or after '='). Error naming the option for anything else.
notify::sdk::StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                    const std::set<std::string>& flag_names,
                                                    const std::set<std::string>& option_names);

}  // namespace notify_host
